namespace PyAirtable.Gateway.RateLimiting;

/// <summary>Per-client request limits (section <c>Gateway:RateLimits</c>).</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    /// <summary>Requests per minute per client over all <c>/api/*</c> routes together; 0 switches it off.</summary>
    public int PerMinute { get; set; } = 1000;

    /// <summary>Requests per minute per client to <c>POST /api/chat</c>; 0 switches it off.</summary>
    public int ChatPerMinute { get; set; } = 10;

    /// <summary>Addresses or CIDR ranges of proxies whose <c>X-Forwarded-For</c> is believed. None by default.</summary>
    public string[] TrustedProxies { get; set; } = [];
}
