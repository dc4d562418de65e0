using PyAirtable.Gateway.Transforms;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// One route of the table, validated and compiled: where it goes, who may call it, its policies, and its endpoints
/// (one per version prefix). Immutable; a reload builds new entries. Read by the gateway's features (auth, rate
/// limits, introspection, documentation) through <see cref="RouteTable.Routes"/>.
/// </summary>
internal sealed class RouteEntry
{
    public required RouteDefinition Definition { get; init; }

    public string Name => Definition.Name;

    /// <summary>The unversioned client template (<c>/api/chat</c>).</summary>
    public required string Path { get; init; }

    /// <summary>Methods accepted, HEAD included wherever GET is.</summary>
    public required string[] Methods { get; init; }

    /// <summary>The service's configuration name as the route gives it.</summary>
    public required string ServiceName { get; init; }

    public required UpstreamService Service { get; init; }

    public required UpstreamTemplate Upstream { get; init; }

    /// <summary>The upstream path template (<c>/sessions/{id}/history</c>).</summary>
    public string UpstreamPath => Upstream.Text;

    public required RouteAuth Auth { get; init; }

    /// <summary>Scopes a client must all hold (<see cref="RouteAuth.Scopes"/>).</summary>
    public required string[] Scopes { get; init; }

    /// <summary>Answers under <c>/api/v1</c> and <c>/api/v2</c> as well.</summary>
    public required bool Versioned { get; init; }

    /// <summary>The named shared rate-limit policy (<c>chat</c>), or null.</summary>
    public string? RateLimitPolicy { get; init; }

    /// <summary>The route's own limit per client per minute; 0: none.</summary>
    public int RateLimitPerMinute { get; init; }

    /// <summary>Time until the upstream's response headers must arrive.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>Body handling without a version prefix and under v1; <see cref="GatewayRoute.Body"/> per endpoint.</summary>
    public required BodyHandling Body { get; init; }

    public RequestHeaderTransform? RequestHeaders { get; init; }

    public QueryTransform? Query { get; init; }

    public ResponseHeaderTransform? ResponseHeaders { get; init; }

    public CanarySplit? Canary { get; init; }

    /// <summary>The route's response cache settings; null when its cache is off.</summary>
    public Caching.RouteCacheSettings? Cache { get; init; }

    /// <summary>WebSocket upgrades (HTTP/1.1 <c>Upgrade: websocket</c>, RFC 8441 extended CONNECT) are tunnelled to the service.</summary>
    public bool WebSocket { get; init; }

    public required string Description { get; init; }

    public RouteSource Source => Definition.Source;

    /// <summary>When the table holding this route was built.</summary>
    public required DateTimeOffset LoadedAt { get; init; }

    /// <summary>The route's endpoints: unversioned first, then one per version when <see cref="Versioned"/>.</summary>
    public GatewayRoute[] Endpoints { get; internal set; } = [];
}
