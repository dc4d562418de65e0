using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Health;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// The contract's four metrics on a <see cref="Meter"/> exported by OpenTelemetry at <c>/metrics</c>:
/// <c>gateway_requests_total{method,endpoint,status}</c>, <c>gateway_request_duration_seconds{endpoint}</c>,
/// <c>gateway_active_connections</c> and <c>gateway_health_check_status{service}</c>.
/// Labels come from bounded sets only: route templates, methods, status codes and service names.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "PyAirtable.Gateway";

    private static readonly double[] DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly string[] StatusLabels = CreateStatusLabels();

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _connections;

    public GatewayMetrics(IMeterFactory meterFactory, HealthMonitor health)
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
    }

    public void RequestCompleted(string method, string endpoint, int status, double seconds)
    {
        var statusLabel = (uint)status < (uint)StatusLabels.Length ? StatusLabels[status] : "other";
        _requests.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", statusLabel));
        _duration.Record(seconds, new KeyValuePair<string, object?>("endpoint", endpoint));
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

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
