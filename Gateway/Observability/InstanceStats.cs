namespace PyAirtable.Gateway.Observability;

/// <summary>Forwards that ended at one service instance since start, and how many of them failed (its load is the instance's own count).</summary>
internal sealed class InstanceStats
{
    private long _requests;
    private long _failures;

    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Forwards that ended in a 5xx from the instance, a connection failure or a timeout.</summary>
    public long Failures => Volatile.Read(ref _failures);

    public void Completed(bool failed)
    {
        Interlocked.Increment(ref _requests);
        if (failed)
        {
            Interlocked.Increment(ref _failures);
        }
    }
}
