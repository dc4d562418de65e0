namespace PyAirtable.Gateway.Caching;

/// <summary>The response cache's shared settings (section <c>Gateway:Cache</c>); routes turn it on (<c>Gateway:Routes:&lt;name&gt;:Cache</c>).</summary>
internal sealed class CacheOptions
{
    public const string Section = "Gateway:Cache";

    /// <summary>Bytes of the memory tier (bodies, headers and a fixed overhead per entry); least recently used entries go first.</summary>
    public long MemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Seconds a request waits for a concurrent identical request's response before going to the service itself.</summary>
    public double CollapseWaitSeconds { get; set; } = 10;

    /// <summary>With <c>REDIS_URL</c>, share stored responses between replicas through Redis; false keeps them per replica.</summary>
    public bool Redis { get; set; } = true;

    /// <summary>Milliseconds a Redis lookup may take before the request goes on without it (a miss; Redis is left alone for a second).</summary>
    public int RedisTimeoutMilliseconds { get; set; } = 100;

    /// <summary>Prefix of the cache's Redis keys and of its invalidation channel.</summary>
    public string RedisKeyPrefix { get; set; } = "gateway:cache:";
}
