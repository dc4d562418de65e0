namespace PyAirtable.Gateway.Caching;

/// <summary>The response cache's shared settings (section <c>Gateway:Cache</c>); routes turn it on (<c>Gateway:Routes:&lt;name&gt;:Cache</c>).</summary>
internal sealed class CacheOptions
{
    public const string Section = "Gateway:Cache";

    /// <summary>Bytes of the memory tier (bodies, headers and a fixed overhead per entry); least recently used entries go first.</summary>
    public long MemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Seconds a request waits for a concurrent identical request's response before going to the service itself.</summary>
    public double CollapseWaitSeconds { get; set; } = 10;
}
