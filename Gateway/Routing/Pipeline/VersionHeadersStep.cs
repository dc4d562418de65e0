using System.Globalization;
using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>
/// On versioned routes: <c>API-Version</c> on every answer (the service's and the gateway's own errors alike), and
/// for a version configured as deprecated <c>Deprecation</c> (RFC 9745), <c>Sunset</c> (RFC 8594) and
/// <c>Link: &lt;the same path under the next version&gt;; rel="successor-version"</c>.
/// </summary>
internal sealed class VersionHeadersStep : RouteStep
{
    private readonly StringValues _version;
    private readonly StringValues _deprecation;
    private readonly StringValues _sunset;
    private readonly string? _successor;
    private readonly int _prefixSegments;

    private VersionHeadersStep(GatewayRoute route, ApiVersionPolicy? policy, DateTimeOffset loadedAt, RouteStep next)
        : base(next)
    {
        _version = route.Version;
        if (policy is { Deprecated: true })
        {
            var since = policy.DeprecatedSince ?? loadedAt;
            _deprecation = "@" + since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            if (policy.Sunset is { } sunset)
            {
                _sunset = sunset.ToString("r", CultureInfo.InvariantCulture);
            }

            _successor = ApiVersions.Successor(route.Version!);
            _prefixSegments = route.HasVersionPrefix ? 2 : 1; // "/api/v1" or "/api"
        }
    }

    public override string Name => "api-version";

    public override Task InvokeAsync(HttpContext context, ForwardedContent? body)
    {
        var headers = context.Response.Headers;
        headers[ApiVersions.Header] = _version;
        if (_deprecation.Count > 0)
        {
            headers["Deprecation"] = _deprecation;
            if (_sunset.Count > 0)
            {
                headers["Sunset"] = _sunset;
            }

            if (_successor is not null)
            {
                headers["Link"] = $"<{SuccessorPath(context.Request.Path.ToUriComponent())}>; rel=\"successor-version\"";
            }
        }

        return Next!.InvokeAsync(context, body);
    }

    /// <summary>The request path with its version prefix replaced by the successor's (<c>/api/chat</c> gives <c>/api/v2/chat</c>).</summary>
    private string SuccessorPath(string path)
    {
        var position = 0;
        for (var i = 0; i < _prefixSegments && position < path.Length; i++)
        {
            var next = path.IndexOf('/', position + 1);
            position = next < 0 ? path.Length : next;
        }

        return string.Concat("/api/", _successor, path.AsSpan(position));
    }

    /// <summary>Adds the step to every versioned endpoint.</summary>
    internal sealed class Factory : IRouteStepFactory
    {
        public int Order => 100;

        public RouteStep? Create(GatewayRoute route, RouteStep next) =>
            route.Version is null ? null : new VersionHeadersStep(route, route.VersionPolicy, route.Entry.LoadedAt, next);
    }
}
