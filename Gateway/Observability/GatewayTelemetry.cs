using System.Diagnostics;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// What every request reports to: the metrics, the dashboard's aggregates, the per-instance load, the trace source and
/// the access log. One per gateway; each request gets a <see cref="RequestTelemetry"/> from it.
/// </summary>
internal sealed class GatewayTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> of the gateway's spans (one per forwarded request).</summary>
    public const string ActivitySourceName = "PyAirtable.Gateway";

    /// <summary>
    /// The logging category whose level switches the access log: one line per request at Information; Warning (or None)
    /// silences it. The lines themselves go through <see cref="AccessLogWriter"/>, not through the logging providers.
    /// </summary>
    public const string AccessLogCategory = "PyAirtable.Gateway.AccessLog";

    public static readonly ActivitySource Source = new(ActivitySourceName, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString());

    private readonly InstanceStats[][] _instances;

    public GatewayTelemetry(GatewayMetrics metrics, TrafficStats stats, UpstreamServices services, IOptions<ObservabilityOptions> options, ILoggerFactory loggers, AccessLogWriter accessLogWriter)
    {
        Metrics = metrics;
        Stats = options.Value.Dashboard ? stats : null;
        ServerTiming = options.Value.ServerTiming;
        AccessLog = loggers.CreateLogger(AccessLogCategory);
        AccessLogWriter = accessLogWriter;
        _instances = new InstanceStats[services.All.Count][];
        foreach (var service in services.All)
        {
            var instances = new InstanceStats[service.All.Length];
            for (var i = 0; i < instances.Length; i++)
            {
                instances[i] = new InstanceStats();
            }

            _instances[(int)service.Kind] = instances;
        }
    }

    public GatewayMetrics Metrics { get; }

    /// <summary>The dashboard's aggregates, or null when the dashboard is switched off.</summary>
    public TrafficStats? Stats { get; }

    public bool ServerTiming { get; }

    /// <summary>The access log's category: its level at Information means the log is on.</summary>
    public ILogger AccessLog { get; }

    public AccessLogWriter AccessLogWriter { get; }

    /// <summary>The counters of <paramref name="instance"/> of <paramref name="service"/>.</summary>
    public InstanceStats Of(ServiceKind service, UpstreamInstance instance) =>
        (uint)service < (uint)_instances.Length && (uint)instance.Index < (uint)_instances[(int)service].Length
            ? _instances[(int)service][instance.Index]
            : Unlisted;

    /// <summary>The counters of instances outside the built-in services' start-up lists (counted, never shown).</summary>
    private static readonly InstanceStats Unlisted = new();
}
