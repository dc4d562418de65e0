using System.Text.Json;
using PyAirtable.Gateway.Health;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// <c>system_status</c> from the health monitor's own rounds (no probes of its own): pushed to every connection of
/// this replica when any service's status changes, and the latest one sent to each connection right after it
/// authenticates. <c>overall_status</c> is <c>healthy</c> when every service is, else <c>degraded</c>.
/// </summary>
internal sealed class SystemStatusPublisher : IHostedService
{
    private readonly HealthMonitor _monitor;
    private readonly RealtimeHub _hub;
    private readonly Lock _gate = new();
    private string? _signature;

    public SystemStatusPublisher(HealthMonitor monitor, RealtimeHub hub)
    {
        _monitor = monitor;
        _hub = hub;
        hub.StatusSnapshot = Snapshot;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _monitor.Completed += OnRound;
        if (_monitor.Last is { } last)
        {
            _signature = Signature(last);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _monitor.Completed -= OnRound;
        return Task.CompletedTask;
    }

    /// <summary>The current status as a message for <paramref name="sessionId"/>.</summary>
    public HubMessage Snapshot(string sessionId) => Create(sessionId, _monitor.Last, _hub.Time.GetUtcNow());

    internal static HubMessage Create(string sessionId, HealthReport? report, DateTimeOffset now) =>
        HubMessage.Create(HubMessage.SystemStatus, sessionId, now, report, static (json, report) => Write(json, report));

    private void OnRound(HealthReport report)
    {
        var signature = Signature(report);
        lock (_gate)
        {
            if (signature == _signature)
            {
                return;
            }

            _signature = signature;
        }

        var now = _hub.Time.GetUtcNow();
        foreach (var connection in _hub.Open)
        {
            if (connection.ClientId is not null)
            {
                connection.TryEnqueue(Create(connection.SessionId, report, now));
            }
        }
    }

    private static string Signature(HealthReport report)
    {
        var parts = new string[report.Services.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = report.Services[i].Name + "=" + report.Services[i].Status;
        }

        return string.Join(',', parts);
    }

    private static void Write(Utf8JsonWriter json, HealthReport? report)
    {
        if (report is null)
        {
            json.WriteString("overall_status", "degraded");
            json.WriteStartObject("services");
            json.WriteEndObject();
            json.WriteStartArray("alerts");
            json.WriteStringValue("No health round has completed yet.");
            json.WriteEndArray();
            return;
        }

        json.WriteString("overall_status", report.Overall == "healthy" ? "healthy" : "degraded");
        json.WriteStartObject("services");
        foreach (var service in report.Services)
        {
            json.WriteStartObject(service.Name);
            json.WriteString("status", service.Status switch
            {
                HealthStatus.Healthy => "healthy",
                HealthStatus.Unhealthy => "unhealthy",
                _ => "unreachable",
            });
            double? fastest = null;
            foreach (var instance in service.Instances)
            {
                if (instance.ResponseTimeSeconds is { } seconds && (fastest is null || seconds < fastest))
                {
                    fastest = seconds;
                }
            }

            if (fastest is { } time)
            {
                json.WriteNumber("response_time", time);
            }
            else
            {
                json.WriteNull("response_time");
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartArray("alerts");
        foreach (var service in report.Services)
        {
            if (service.Status != HealthStatus.Healthy)
            {
                json.WriteStringValue($"{service.Name} is {(service.Status == HealthStatus.Unhealthy ? "unhealthy" : "unreachable")}");
            }
        }

        json.WriteEndArray();
    }
}
