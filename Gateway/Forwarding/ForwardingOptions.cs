namespace PyAirtable.Gateway.Forwarding;

/// <summary>How requests are forwarded (section <c>Gateway:Forwarding</c>).</summary>
internal sealed class ForwardingOptions
{
    public const string Section = "Gateway:Forwarding";

    /// <summary>Seconds from the end of the request upload until the upstream's response headers must arrive (else 504).</summary>
    public double TimeoutSeconds { get; set; } = 30;

    /// <summary>Per-route overrides of <see cref="TimeoutSeconds"/> by route name (<c>chat</c>, <c>tools</c>, <c>execute-tool</c>, <c>session-history</c>, <c>delete-session</c>, <c>airtable</c>).</summary>
    public Dictionary<string, double> RouteTimeoutSeconds { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Seconds for all attempts of one request together, retries and back-off included; at least every attempt timeout.</summary>
    public double TotalTimeoutSeconds { get; set; } = 90;

    /// <summary>Largest request body accepted, in bytes (else 413).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Seconds allowed to open a TCP connection to an upstream.</summary>
    public double ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>Seconds a pooled upstream connection is reused before it is replaced (DNS changes are picked up).</summary>
    public double PooledConnectionLifetimeSeconds { get; set; } = 300;

    /// <summary>Seconds an idle pooled upstream connection is kept.</summary>
    public double PooledConnectionIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>Cookie names that carry client credentials and are removed before forwarding.</summary>
    public string[] StripCookies { get; set; } = [];
}
