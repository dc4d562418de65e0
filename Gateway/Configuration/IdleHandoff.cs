namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// With inline scheduling, hands a request that arrives while no other is in flight to the thread pool. The thread-pool
/// thread that runs it spin-waits a little for more work when it is done, so the core stays awake for the upstream's
/// answer and the client's next request instead of idling between them. A core that idles costs each of those wake-ups
/// a resumption (dear in a VM whose idle CPUs halt at once, twice per request); a request that arrives while
/// others are in flight stays on the socket event thread, so a loaded gateway keeps inline scheduling's throughput.
/// Off by default (<c>Gateway:IdleHandoff=true</c> turns it on): where switching threads is dear the spinning thread
/// and the event thread take turns on the core, and at one connection the hand-off added latency and CPU per request
/// (figures: docs/performance.md, "Scheduling"). The spin is the runtime's, which Gateway.csproj turns off
/// (<c>UnfairSemaphoreSpinLimit</c> 0): turning the hand-off on needs <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70</c> with it.
/// </summary>
internal sealed class IdleHandoff
{
    private readonly bool _enabled;
    private int _inFlight;

    public IdleHandoff(bool enabled) => _enabled = enabled;

    /// <summary>Requests between <see cref="Enter"/> and <see cref="Exit"/> now (counted only when enabled).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A request starts; true when it is the only one in flight and should move to the thread pool.</summary>
    public bool Enter() => _enabled && Interlocked.Increment(ref _inFlight) == 1;

    /// <summary>A request that <see cref="Enter"/> saw has ended (whatever <see cref="Enter"/> returned).</summary>
    public void Exit()
    {
        if (_enabled)
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
