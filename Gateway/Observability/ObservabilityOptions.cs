namespace PyAirtable.Gateway.Observability;

/// <summary>Metrics, traces and logs beyond the contract's four metrics (section <c>Gateway:Observability</c>).</summary>
internal sealed class ObservabilityOptions
{
    public const string Section = "Gateway:Observability";

    /// <summary>Exports the framework's own meters named in <see cref="StandardMeterNames"/> at <c>/metrics</c>.</summary>
    public bool StandardMeters { get; set; } = true;

    /// <summary>
    /// Comma-separated names of the framework meters exported when <see cref="StandardMeters"/> is on: Kestrel's
    /// (connections) and the runtime's (GC, thread pool, CPU, memory) by default. Two record on every request and are
    /// left out by default: ASP.NET Core's hosting meter (<c>Microsoft.AspNetCore.Hosting</c>:
    /// <c>http_server_request_duration_seconds</c>, active requests),
    /// whose duration the gateway's own <c>gateway_request_duration_seconds</c> already records per route template, and
    /// HttpClient's (<c>System.Net.Http</c>: several instruments with many tags, allocating on every forwarded request),
    /// whose duration <c>gateway_upstream_request_duration_seconds</c> already records per service. Add either here
    /// when its series are worth that cost (measured: docs/performance.md, "Allocations and meters").
    /// </summary>
    public string StandardMeterNames { get; set; } = "Microsoft.AspNetCore.Server.Kestrel,System.Runtime";

    /// <summary>Adds a <c>Server-Timing</c> header (gateway and upstream time) to every response.</summary>
    public bool ServerTiming { get; set; } = true;

    /// <summary>Keeps the in-memory per-second aggregates that <c>/dashboard</c> shows.</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Records traces. Null: on exactly when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (then they are exported over OTLP).</summary>
    public bool? Tracing { get; set; }

    /// <summary>Request/response header and body logging; off by default.</summary>
    public BodyLoggingOptions BodyLogging { get; set; } = new();
}

/// <summary>Header and body logging through ASP.NET Core's HTTP logging, with credentials always redacted.</summary>
internal sealed class BodyLoggingOptions
{
    /// <summary>Logs request and response headers and the start of their bodies (category <c>Microsoft.AspNetCore.HttpLogging</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Most bytes of each body written to the log.</summary>
    public int MaxBodyBytes { get; set; } = 4096;

    /// <summary>
    /// Headers whose values are logged; every other header is logged as <c>[Redacted]</c>. Credentials are redacted even if
    /// listed. Empty: <see cref="DefaultHeaders"/>.
    /// </summary>
    public string[] Headers { get; set; } = [];

    /// <summary>The headers logged when <see cref="Headers"/> is empty.</summary>
    public static readonly string[] DefaultHeaders =
        ["Accept", "Content-Type", "Content-Length", "User-Agent", "X-Request-ID", "traceparent", "Cache-Control", "Location", "Retry-After"];
}
