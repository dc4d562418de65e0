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
/// active probe, its circuit, a passive cool-down after a connection failure). All updates are lock-free.
/// </summary>
internal sealed class UpstreamInstance
{
    private int _outstanding;
    private long _cooldownUntil;
    private long _circuitOpenUntil;
    private volatile int _circuit;
    private volatile int _probed = -1;

    public UpstreamInstance(string baseUrl, bool isBackup, int index)
    {
        BaseUrl = baseUrl;
        IsBackup = isBackup;
        Index = index;
        Authority = AuthorityOf(new Uri(baseUrl));
    }

    public string BaseUrl { get; }

    /// <summary><c>scheme://host:port</c>: the key of this instance's circuit breaker.</summary>
    public string Authority { get; }

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

    public CircuitState Circuit
    {
        get
        {
            var state = (CircuitState)_circuit;
            return state == CircuitState.Open && Stopwatch.GetTimestamp() >= Volatile.Read(ref _circuitOpenUntil) ? CircuitState.HalfOpen : state;
        }
    }

    public static string AuthorityOf(Uri uri) => uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();

    /// <summary>
    /// Usable for new traffic: not failing its probes, not cooling down after a connection failure, and its circuit
    /// closed or due for its trial request.
    /// </summary>
    public bool IsUsable(long now) =>
        _probed is not ((int)HealthStatus.Unhealthy or (int)HealthStatus.Unreachable)
        && now >= Volatile.Read(ref _cooldownUntil)
        && ((CircuitState)_circuit != CircuitState.Open || now >= Volatile.Read(ref _circuitOpenUntil));

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

    /// <summary>Called by the instance's <see cref="Breaker"/> on every transition.</summary>
    public void CircuitChanged(CircuitState state, TimeSpan breakDuration)
    {
        if (state == CircuitState.Open)
        {
            Volatile.Write(ref _circuitOpenUntil, Stopwatch.GetTimestamp() + (long)(breakDuration.TotalSeconds * Stopwatch.Frequency));
        }

        _circuit = (int)state;
    }
}
