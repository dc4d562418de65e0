using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// The endpoints of the route table, as routing sees them (YARP's shape: an <see cref="EndpointDataSource"/> with a
/// change token). For each route and version prefix, one endpoint carrying its <see cref="GatewayRoute"/> and its
/// metrics label (the template); for each template, one more (order 1) that answers the other methods with 405 and
/// <c>Allow</c>. When the table is replaced the endpoints are rebuilt and the token fires; routing switches to them
/// for the next request, while requests in flight keep the endpoint they matched.
/// </summary>
internal sealed class RouteEndpointSource : EndpointDataSource
{
    private readonly RouteTableProvider _provider;
    private readonly Lock _gate = new();
    private volatile IReadOnlyList<Endpoint> _endpoints;
    private RouteTable _built;

    public RouteEndpointSource(RouteTableProvider provider)
    {
        _provider = provider;
        _built = provider.Current;
        _endpoints = Create(_built);
    }

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            // Rebuilt here rather than in the table's change event, so routing never sees a token fired before the list changed.
            var current = _provider.Current;
            if (!ReferenceEquals(current, _built))
            {
                lock (_gate)
                {
                    if (!ReferenceEquals(current, _built))
                    {
                        _endpoints = Create(current);
                        _built = current;
                    }
                }
            }

            return _endpoints;
        }
    }

    public override IChangeToken GetChangeToken() => _provider.GetChangeToken();

    private static List<Endpoint> Create(RouteTable table)
    {
        var endpoints = new List<Endpoint>();
        var allowed = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var route in table.Endpoints)
        {
            var handler = route.Pipeline;
            RequestDelegate invoke = context => handler.InvokeAsync(context, null);
            endpoints.Add(new RouteEndpoint(
                invoke,
                RoutePatternFactory.Parse(route.Template),
                0,
                new EndpointMetadataCollection(new HttpMethodMetadata(route.Entry.WebSocket ? [.. route.Methods, HttpMethods.Connect] : route.Methods), route, new MetricsLabel(route.Template), new RouteDiagnostics(route.Template)),
                $"{route.Name} {route.Template}"));

            if (!allowed.TryGetValue(route.Template, out var methods))
            {
                allowed[route.Template] = methods = [];
                order.Add(route.Template);
            }

            foreach (var method in route.Methods)
            {
                if (!methods.Contains(method))
                {
                    methods.Add(method);
                }
            }
        }

        foreach (var template in order)
        {
            var allow = string.Join(", ", allowed[template]);
            endpoints.Add(new RouteEndpoint(
                context => MethodNotAllowedAsync(context, allow),
                RoutePatternFactory.Parse(template),
                1,
                new EndpointMetadataCollection(new MetricsLabel(template), new RouteDiagnostics(template)),
                $"405 {template}"));
        }

        return endpoints;
    }

    /// <summary>The route template as the framework's own telemetry reports it (<c>http.route</c>), as for mapped endpoints.</summary>
    private sealed record RouteDiagnostics(string Route) : Microsoft.AspNetCore.Http.Metadata.IRouteDiagnosticsMetadata;

    /// <summary>A known path with another method: 405 with <c>Allow</c>.</summary>
    public static Task MethodNotAllowedAsync(HttpContext context, string allow)
    {
        context.Response.Headers[HeaderNames.Allow] = allow;
        return ProblemResponse.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
            $"{context.Request.Method} is not allowed here; allowed: {allow}.");
    }
}
