namespace PyAirtable.Gateway.Routing;

/// <summary>
/// One route as configured (<c>Gateway:Routes:&lt;name&gt;</c>), or as the built-in defaults declare it in the same
/// shape (<see cref="BuiltInRoutes"/>). Plain data: <see cref="RouteTableBuilder"/> validates and compiles it.
/// </summary>
internal sealed class RouteDefinition
{
    /// <summary>The route's name: the key under <c>Gateway:Routes</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Client-facing ASP.NET Core route template (<c>/api/reports/{**rest}</c>).</summary>
    public required string Path { get; init; }

    /// <summary>Methods as configured (HEAD is implied by GET).</summary>
    public required string[] Methods { get; init; }

    /// <summary>The service's configuration name (<c>LlmOrchestrator</c>, <c>Reports</c>).</summary>
    public required string Service { get; init; }

    /// <summary>Upstream path template with <c>{name}</c> and <c>{**catchall}</c> from <see cref="Path"/>; null: the client path.</summary>
    public string? UpstreamPath { get; init; }

    /// <summary><c>none</c>, <c>client</c> (default) or <c>scopes</c> (implied when <see cref="Scopes"/> is set).</summary>
    public string? Auth { get; init; }

    public string[] Scopes { get; init; } = [];

    /// <summary>A shared named rate-limit policy: <c>chat</c> (<c>CHAT_RATE_LIMIT_PER_MINUTE</c>).</summary>
    public string? RateLimitPolicy { get; init; }

    /// <summary>The route's own limit per client per minute (0 or unset: none), on top of the global one.</summary>
    public string? RateLimitPerMinute { get; init; }

    /// <summary>Seconds until the upstream's response headers must arrive (else 504); unset: the global timeout.</summary>
    public string? TimeoutSeconds { get; init; }

    /// <summary>How the request body is handled: <c>stream</c> (default), <c>json-object</c>, <c>v2-chat</c>.</summary>
    public string? Body { get; init; }

    /// <summary>Per-version overrides of <see cref="Body"/> (<c>Versions:v2:Body</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> VersionBodies { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string?>> RequestHeadersSet { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string?>> RequestHeadersAppend { get; init; } = [];

    public string[] RequestHeadersRemove { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string?>> QueryAdd { get; init; } = [];

    public string[] QueryRemove { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string?>> ResponseHeadersSet { get; init; } = [];

    public string[] ResponseHeadersRemove { get; init; } = [];

    /// <summary>Traffic splitting to another service, when configured.</summary>
    public CanaryDefinition? Canary { get; init; }

    /// <summary>The response cache of the route (<c>Cache</c>), when configured.</summary>
    public Caching.CacheDefinition? Cache { get; init; }

    /// <summary><c>true</c>: WebSocket upgrades are tunnelled to the service (<c>WebSocket</c>); default <c>false</c>, upgrades refused.</summary>
    public string? WebSocket { get; init; }

    public string? Description { get; init; }

    /// <summary><c>false</c> removes the route (a built-in one included).</summary>
    public string? Enabled { get; init; }

    public RouteSource Source { get; init; }
}

/// <summary>A route's traffic split (<c>Gateway:Routes:&lt;name&gt;:Canary</c>).</summary>
internal sealed record CanaryDefinition(string? Service, string? Percent, string? Header, string? HeaderValue);

/// <summary>Where a route's definition comes from.</summary>
internal enum RouteSource
{
    BuiltIn,
    Configuration,
    File,
}
