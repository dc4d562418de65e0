namespace PyAirtable.Gateway.Health;

/// <summary>One probe's verdict on a service instance.</summary>
internal enum HealthStatus
{
    Healthy,
    Unhealthy,
    Unreachable,
}

/// <summary>The health of one instance of a service.</summary>
internal sealed record InstanceHealth(string Url, HealthStatus Status, double? ResponseTimeSeconds, string? Error)
{
    /// <summary>The instance probed, for its circuit and backup flags.</summary>
    public Routing.UpstreamInstance? Instance { get; init; }
}

/// <summary>The health of one service: healthy when at least one instance is.</summary>
internal sealed record ServiceHealth(string Name, string Url, InstanceHealth[] Instances)
{
    public HealthStatus Status
    {
        get
        {
            var status = HealthStatus.Unreachable;
            foreach (var instance in Instances)
            {
                if (instance.Status == HealthStatus.Healthy)
                {
                    return HealthStatus.Healthy;
                }

                if (instance.Status == HealthStatus.Unhealthy)
                {
                    status = HealthStatus.Unhealthy;
                }
            }

            return status;
        }
    }
}

/// <summary>One round of probes over every service.</summary>
internal sealed record HealthReport(ServiceHealth[] Services, DateTimeOffset Timestamp)
{
    /// <summary><c>healthy</c> when every service is, <c>unhealthy</c> when none is, else <c>degraded</c>.</summary>
    public string Overall
    {
        get
        {
            var healthy = 0;
            foreach (var service in Services)
            {
                if (service.Status == HealthStatus.Healthy)
                {
                    healthy++;
                }
            }

            return healthy == Services.Length ? "healthy" : healthy == 0 ? "unhealthy" : "degraded";
        }
    }
}
