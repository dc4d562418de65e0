using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// The gateway's metrics on the <see cref="Meter"/> <c>PyAirtable.Gateway</c>, exported by OpenTelemetry at <c>/metrics</c>.
/// The contract's four: <c>gateway_requests_total{method,endpoint,status}</c>, <c>gateway_request_duration_seconds{endpoint}</c>,
/// <c>gateway_active_connections</c> and <c>gateway_health_check_status{service}</c>. Per service:
/// <c>gateway_upstream_request_duration_seconds{service,outcome}</c>, <c>gateway_upstream_retries_total{service}</c>,
/// <c>gateway_circuit_state{service,instance}</c> (0 closed, 1 half-open, 2 open),
/// <c>gateway_stream_time_to_first_byte_seconds{service}</c> and <c>gateway_stream_duration_seconds{service}</c> for
/// responses streamed without a length, and <c>gateway_overhead_seconds{endpoint}</c>, the time a forwarded request spent
/// in the gateway itself. Plus <c>gateway_rate_limit_rejections_total{endpoint}</c>.
/// Labels come from bounded sets only, never from raw client input: route templates (<c>unmatched</c> for any path
/// without a route), the standard methods or <c>_OTHER</c> (<see cref="MethodLabel"/>), status codes (<c>other</c> outside
/// 100-599), outcomes, configured services and instances.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "PyAirtable.Gateway";

    private static readonly double[] DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly double[] OverheadBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

    private static readonly double[] StreamBuckets =
        [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

    private static readonly string[] StatusLabels = CreateStatusLabels();

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _connections;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Histogram<double> _overhead;
    private readonly Histogram<double> _firstByte;
    private readonly Histogram<double> _streamDuration;
    private readonly Counter<long> _rateLimited;
    private readonly long[] _retries = new long[UpstreamServices.Names.Length];

    public GatewayMetrics(IMeterFactory meterFactory, HealthMonitor health, UpstreamServices services)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("gateway_requests", description: "Requests handled, by method, route template and status.");
        _duration = meter.CreateHistogram(
            "gateway_request_duration",
            unit: "s",
            description: "Time from request arrival to response end, by route template.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _connections = meter.CreateUpDownCounter<long>("gateway_active_connections", description: "Client connections open now.");
        meter.CreateObservableGauge("gateway_health_check_status", () => HealthMeasurements(health), description: "1 when the service's last health probe round found it healthy, else 0.");

        _upstreamDuration = meter.CreateHistogram(
            "gateway_upstream_request_duration",
            unit: "s",
            description: "Time from sending a request upstream until its response headers (or the failure), by service and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        meter.CreateObservableCounter("gateway_upstream_retries", ObserveRetries, description: "Upstream requests retried, by service.");
        meter.CreateObservableGauge("gateway_circuit_state", () => CircuitMeasurements(services), description: "Circuit breaker state per service instance: 0 closed, 1 half-open, 2 open.");
        _rateLimited = meter.CreateCounter<long>("gateway_rate_limit_rejections", description: "Requests refused with 429 by the gateway's rate limits, by route template.");
        _overhead = meter.CreateHistogram(
            "gateway_overhead",
            unit: "s",
            description: "Time a forwarded request spent in the gateway itself: total minus the wait for upstream headers minus the body copy.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OverheadBuckets });
        _firstByte = meter.CreateHistogram(
            "gateway_stream_time_to_first_byte",
            unit: "s",
            description: "For responses streamed without a length: time from request arrival to the first body bytes passed on, by service.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StreamBuckets });
        _streamDuration = meter.CreateHistogram(
            "gateway_stream_duration",
            unit: "s",
            description: "For responses streamed without a length: time from the first body bytes to the end of the stream, by service.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StreamBuckets });
    }

    /// <summary>A request ended; <paramref name="method"/> is the raw request method (recorded through <see cref="MethodLabel"/>).</summary>
    public void RequestCompleted(string method, string endpoint, int status, double seconds)
    {
        _requests.Add(1, new KeyValuePair<string, object?>("method", MethodLabel.Of(method)), new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", StatusLabel(status)));
        _duration.Record(seconds, new KeyValuePair<string, object?>("endpoint", endpoint));
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    /// <summary>An upstream call ended: <paramref name="outcome"/> is a status class (<c>2xx</c>..<c>5xx</c>) or <c>error</c>, <c>timeout</c>, <c>cancelled</c>.</summary>
    public void UpstreamCompleted(string service, string outcome, double seconds) =>
        _upstreamDuration.Record(seconds, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary><paramref name="count"/> retries of one forwarded request.</summary>
    public void UpstreamRetried(ServiceKind service, int count) => Interlocked.Add(ref _retries[(int)service], count);

    /// <summary>A request refused by a rate limit (called through <see cref="RequestTelemetry.RateLimited"/>).</summary>
    public void RateLimitRejected(string endpoint) => _rateLimited.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));

    public void Overhead(string endpoint, double seconds) => _overhead.Record(seconds, new KeyValuePair<string, object?>("endpoint", endpoint));

    public void Streamed(string service, double firstByteSeconds, double streamSeconds)
    {
        var tag = new KeyValuePair<string, object?>("service", service);
        _firstByte.Record(firstByteSeconds, tag);
        _streamDuration.Record(streamSeconds, tag);
    }

    public long Retries(ServiceKind service) => Volatile.Read(ref _retries[(int)service]);

    public static string StatusLabel(int status) => (uint)status < (uint)StatusLabels.Length && StatusLabels[status] is { } label ? label : "other";

    private IEnumerable<Measurement<long>> ObserveRetries()
    {
        var measurements = new Measurement<long>[_retries.Length];
        for (var i = 0; i < _retries.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref _retries[i]), new KeyValuePair<string, object?>("service", UpstreamServices.Names[i]));
        }

        return measurements;
    }

    private static List<Measurement<int>> CircuitMeasurements(UpstreamServices services)
    {
        var measurements = new List<Measurement<int>>();
        foreach (var service in services.All)
        {
            foreach (var instance in service.All)
            {
                measurements.Add(new Measurement<int>(
                    CircuitNames.MetricValue(instance.Circuit),
                    new KeyValuePair<string, object?>("service", service.Name),
                    new KeyValuePair<string, object?>("instance", instance.BaseUrl)));
            }
        }

        return measurements;
    }

    private static IEnumerable<Measurement<int>> HealthMeasurements(HealthMonitor health)
    {
        if (health.Last is not { } report)
        {
            yield break;
        }

        foreach (var service in report.Services)
        {
            yield return new Measurement<int>(service.Status == HealthStatus.Healthy ? 1 : 0, new KeyValuePair<string, object?>("service", service.Name));
        }
    }

    private static string[] CreateStatusLabels()
    {
        var labels = new string[600];
        for (var i = 100; i < labels.Length; i++)
        {
            labels[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return labels;
    }
}
