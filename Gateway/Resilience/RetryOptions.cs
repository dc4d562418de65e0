namespace PyAirtable.Gateway.Resilience;

/// <summary>Retries on another instance (section <c>Gateway:Retry</c>).</summary>
internal sealed class RetryOptions
{
    public const string Section = "Gateway:Retry";

    /// <summary>Retries after the first attempt, each on an instance not yet tried; 0 switches retries off.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Milliseconds before the first retry; later ones back off exponentially, with jitter.</summary>
    public double BaseDelayMilliseconds { get; set; } = 20;

    /// <summary>Retries allowed as a percentage of the requests of the last 10 seconds, so retries cannot multiply an outage.</summary>
    public double BudgetPercent { get; set; } = 20;

    /// <summary>Retries per second always allowed, so a quiet service can still retry.</summary>
    public int MinRetriesPerSecond { get; set; } = 5;
}
