namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// Kestrel's limits, set deliberately for an edge server (section <c>Gateway:Server</c>); docs/security.md explains each.
/// </summary>
internal sealed class ServerLimitsOptions
{
    public const string Section = "Gateway:Server";

    /// <summary>Largest request line (method, target, version) in bytes.</summary>
    public int MaxRequestLineBytes { get; set; } = 8 * 1024;

    /// <summary>Largest total size of the request headers in bytes.</summary>
    public int MaxRequestHeadersTotalBytes { get; set; } = 32 * 1024;

    /// <summary>Most request headers accepted.</summary>
    public int MaxRequestHeaderCount { get; set; } = 64;

    /// <summary>Seconds a client has to send the complete request headers.</summary>
    public int RequestHeadersTimeoutSeconds { get; set; } = 15;

    /// <summary>Seconds an idle keep-alive connection is kept open.</summary>
    public int KeepAliveTimeoutSeconds { get; set; } = 60;

    /// <summary>Slowest request body accepted, bytes per second averaged after the grace period; slower clients are cut.</summary>
    public int MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>Slowest response reading accepted from a client, bytes per second after the grace period.</summary>
    public int MinResponseBytesPerSecond { get; set; } = 240;

    /// <summary>Seconds before the minimum data rates are enforced (at least 2).</summary>
    public int MinDataRateGraceSeconds { get; set; } = 5;

    /// <summary>Most simultaneous connections; 0 means unlimited.</summary>
    public int MaxConcurrentConnections { get; set; }
}
