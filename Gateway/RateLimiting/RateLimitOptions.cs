namespace PyAirtable.Gateway.RateLimiting;

/// <summary>Per-client request limits (section <c>Gateway:RateLimits</c>).</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    /// <summary>Requests per minute per client over all <c>/api/*</c> routes together; 0 switches it off.</summary>
    public int PerMinute { get; set; } = 1000;

    /// <summary>Requests per minute per client to <c>POST /api/chat</c>; 0 switches it off.</summary>
    public int ChatPerMinute { get; set; } = 10;

    /// <summary>Further per-route policies, each charged on top of the global one.</summary>
    public RoutePolicyOptions[] Routes { get; set; } = [];

    /// <summary>Addresses or CIDR ranges of proxies whose <c>X-Forwarded-For</c> is believed. None by default.</summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Redis for limits shared by every replica: <c>redis://[:password@]host[:port][/db]</c>, <c>rediss://...</c> or a StackExchange.Redis string. Unset: in-process limits.</summary>
    public string? Redis { get; set; }

    /// <summary>Milliseconds a Redis decision may take before the request is decided by the local limiter instead.</summary>
    public int RedisTimeoutMilliseconds { get; set; } = 50;

    /// <summary>Prefix of the Redis keys (one per client and policy).</summary>
    public string RedisKeyPrefix { get; set; } = "gateway:ratelimit:";
}
