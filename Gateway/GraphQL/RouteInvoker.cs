using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// Calls a route the way a client would, from inside the gateway: a request of its own (a <see cref="DefaultHttpContext"/>
/// with the client's credentials, address, request id and cancellation) goes through authentication and scope checks,
/// rate limiting (each call is charged) and the route's pipeline (cache, body checks, forwarder with its breakers and
/// retries), and its answer is captured instead of sent. There is no other way from a GraphQL field to a service.
/// </summary>
internal sealed class RouteInvoker
{
    /// <summary>Client headers a field's request carries: credentials, and what shapes the answer or its tracing.</summary>
    private static readonly string[] CopiedHeaders =
    [
        GatewayHeaders.ApiKey, HeaderNames.Authorization, HeaderNames.AcceptLanguage, HeaderNames.UserAgent, "traceparent", "tracestate",
    ];

    private readonly RouteEndpointSource _endpoints;
    private readonly int _maxResponseBytes;
    private RequestDelegate? _pipeline;
    private volatile EndpointIndex _index = new([], []);

    public RouteInvoker(RouteEndpointSource endpoints, IOptions<GraphQLOptions> options)
    {
        _endpoints = endpoints;
        _maxResponseBytes = options.Value.MaxUpstreamResponseBytes;
    }

    /// <summary>
    /// The middleware a routed request passes after routing (authentication and scopes, rate limiting), ending in the
    /// matched endpoint's pipeline; composed once from the application's own middleware types.
    /// </summary>
    public void Compose(IEndpointRouteBuilder app)
    {
        var builder = app.CreateApplicationBuilder();
        builder.UseMiddleware<GatewayAuthMiddleware>();
        builder.UseMiddleware<RateLimitMiddleware>();
        builder.Run(static context => context.GetEndpoint()!.RequestDelegate!(context));
        _pipeline = builder.Build();
    }

    /// <summary>The unversioned route endpoint that takes <paramref name="method"/> on <paramref name="path"/>, or null.</summary>
    public Endpoint? Find(string method, string path)
    {
        var candidates = Index();
        Span<Range> captures = stackalloc Range[PathTemplate.MaxParameters];
        foreach (var candidate in candidates)
        {
            if (Array.IndexOf(candidate.Route.Methods, method) >= 0
                && candidate.Route.PathTemplate.TryCapture(path, captures[..candidate.Route.PathTemplate.Parameters.Length], out _))
            {
                return candidate.Endpoint;
            }
        }

        return null;
    }

    /// <summary>Sends one request through the route that takes it; the answer is read whole (bounded).</summary>
    public async Task<UpstreamResult> SendAsync(HttpContext outer, string method, string path, string query, ReadOnlyMemory<byte>? body)
    {
        var endpoint = Find(method, path);
        if (endpoint is null || _pipeline is null)
        {
            return new UpstreamResult { Status = StatusCodes.Status404NotFound, NoRoute = true, Detail = $"No route takes {method} {path}." };
        }

        using var captured = new CapturedBody(_maxResponseBytes);
        var inner = Create(outer, method, path, query, body, captured);
        inner.SetEndpoint(endpoint);
        await _pipeline(inner);
        await inner.Features.GetRequiredFeature<IHttpResponseBodyFeature>().CompleteAsync();

        var response = inner.Response;
        var contentType = response.ContentType;
        if (captured.Overflowed)
        {
            return new UpstreamResult { Status = response.StatusCode, ContentType = contentType, TooLarge = true };
        }

        JsonElement json = default;
        string? detail = null;
        if (captured.Length > 0 && IsJson(contentType))
        {
            try
            {
                var reader = new Utf8JsonReader(captured.Written.Span);
                json = JsonElement.ParseValue(ref reader);
            }
            catch (JsonException)
            {
                json = default;
            }

            if (json.ValueKind == JsonValueKind.Object && response.StatusCode >= 400)
            {
                detail = (json.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null)
                    ?? (json.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null);
            }
        }

        return new UpstreamResult { Status = response.StatusCode, ContentType = contentType, Json = json, Detail = detail };
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static DefaultHttpContext Create(HttpContext outer, string method, string path, string query, ReadOnlyMemory<byte>? body, CapturedBody captured)
    {
        var source = outer.Request;
        IHeaderDictionary headers = new HeaderDictionary();
        foreach (var name in CopiedHeaders)
        {
            if (source.Headers.TryGetValue(name, out var value))
            {
                headers[name] = value;
            }
        }

        headers.Accept = "application/json";
        headers[GatewayHeaders.RequestId] = outer.TraceIdentifier;
        Stream requestBody = Stream.Null;
        if (body is { } bytes)
        {
            headers.ContentType = "application/json";
            headers.ContentLength = bytes.Length;
            requestBody = new MemoryStream(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment) ? segment.Array! : bytes.ToArray(),
                segment.Offset, bytes.Length, writable: false);
        }

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = source.Protocol,
            Method = method,
            Scheme = source.Scheme,
            PathBase = "",
            Path = Uri.UnescapeDataString(path),
            QueryString = query,
            RawTarget = path + query,
            Headers = headers,
            Body = requestBody,
        });
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(captured));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = outer.RequestAborted });
        features.Set<IHttpRequestBodyDetectionFeature>(body is null ? BodyDetection.None : BodyDetection.Present);
        features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature { TraceIdentifier = outer.TraceIdentifier });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            RemoteIpAddress = outer.Connection.RemoteIpAddress,
            RemotePort = outer.Connection.RemotePort,
            LocalIpAddress = outer.Connection.LocalIpAddress,
            LocalPort = outer.Connection.LocalPort,
        });
        var context = new DefaultHttpContext(features) { RequestServices = outer.RequestServices }; // the bearer handler is resolved from it
        if (source.Host.HasValue)
        {
            context.Request.Host = source.Host;
        }

        return context;
    }

    private Candidate[] Index()
    {
        var endpoints = _endpoints.Endpoints;
        var index = _index;
        if (ReferenceEquals(index.Source, endpoints))
        {
            return index.Candidates;
        }

        var candidates = new List<Candidate>();
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<GatewayRoute>() is { HasVersionPrefix: false } route && endpoint.RequestDelegate is not null)
            {
                candidates.Add(new Candidate(route, endpoint));
            }
        }

        _index = index = new EndpointIndex(endpoints, [.. candidates]);
        return index.Candidates;
    }

    /// <summary>The unversioned route endpoints of one endpoint list (rebuilt when the route table is replaced).</summary>
    private sealed record EndpointIndex(IReadOnlyList<Endpoint> Source, Candidate[] Candidates);

    private sealed record Candidate(GatewayRoute Route, Endpoint Endpoint);

    private sealed class BodyDetection : IHttpRequestBodyDetectionFeature
    {
        public static readonly BodyDetection None = new(false);
        public static readonly BodyDetection Present = new(true);

        private BodyDetection(bool canHaveBody) => CanHaveBody = canHaveBody;

        public bool CanHaveBody { get; }
    }
}
