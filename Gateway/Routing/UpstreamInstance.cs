using System.Diagnostics;
using PyAirtable.Gateway.Health;

namespace PyAirtable.Gateway.Routing;

/// <summary>The circuit of one instance, as its breaker last reported it.</summary>
internal enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>
/// One instance of a service: its base URL and the state the balancer reads (requests outstanding, the last
/// active probe, its circuit breaker, a passive cool-down after a connection failure). Only circuit transitions take a lock.
/// </summary>
internal sealed class UpstreamInstance
{
    private int _outstanding;
    private long _cooldownUntil;
    private volatile int _probed = -1;

    public UpstreamInstance(string baseUrl, bool isBackup, int index)
    {
        BaseUrl = baseUrl;
        IsBackup = isBackup;
        Index = index;
    }

    public string BaseUrl { get; }

    public bool IsBackup { get; }

    /// <summary>
    /// Position in the service's instance list (primaries first), for the tried-instances mask. A reload that keeps
    /// the instance may move it; a request retrying across that moment may then skip or repeat one instance.
    /// </summary>
    public int Index { get; set; }

    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>The instance's circuit breaker; null when breakers are switched off.</summary>
    public Resilience.InstanceCircuitBreaker? Breaker { get; set; }

    /// <summary>The last active probe's verdict, or null before the first probe.</summary>
    public HealthStatus? Probed => _probed < 0 ? null : (HealthStatus)_probed;

    public CircuitState Circuit => Breaker?.State ?? CircuitState.Closed;

    /// <summary>
    /// Usable for new traffic: not failing its probes, not cooling down after a connection failure, and its circuit
    /// closed or due for its trial request.
    /// </summary>
    public bool IsUsable(long now) =>
        _probed is not ((int)HealthStatus.Unhealthy or (int)HealthStatus.Unreachable)
        && now >= Volatile.Read(ref _cooldownUntil)
        && (Breaker is not { } breaker || breaker.Admits(now));

    public void Acquire() => Interlocked.Increment(ref _outstanding);

    public void Release() => Interlocked.Decrement(ref _outstanding);

    /// <summary>Takes the instance out of rotation for <paramref name="cooldown"/> after a connection failure.</summary>
    public void CoolDown(TimeSpan cooldown) =>
        Volatile.Write(ref _cooldownUntil, Stopwatch.GetTimestamp() + (long)(cooldown.TotalSeconds * Stopwatch.Frequency));

    public void Probe(HealthStatus status)
    {
        _probed = (int)status;
        if (status == HealthStatus.Healthy)
        {
            Volatile.Write(ref _cooldownUntil, 0);
        }
    }
}
