namespace PyAirtable.Gateway.Caching;

/// <summary>
/// Request collapsing: the first cacheable miss for a key leads (goes to the service); the others for the same key
/// wait for it to finish, bounded, then look in the cache again. A leader that fails or is cancelled stores nothing,
/// so the waiters then go to the service themselves.
/// </summary>
internal sealed class RequestCollapser
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TaskCompletionSource> _leaders = new(StringComparer.Ordinal);

    /// <summary>True when the caller leads for <paramref name="key"/> (and must call <see cref="Finish"/>); else <paramref name="leader"/> completes when the leader is done.</summary>
    public bool TryLead(string key, out TaskCompletionSource leader)
    {
        lock (_gate)
        {
            if (_leaders.TryGetValue(key, out var existing))
            {
                leader = existing;
                return false;
            }

            leader = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _leaders.Add(key, leader);
            return true;
        }
    }

    public void Finish(string key, TaskCompletionSource leader)
    {
        lock (_gate)
        {
            _leaders.Remove(key);
        }

        leader.TrySetResult();
    }

    /// <summary>Keys led now (tests).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _leaders.Count;
            }
        }
    }
}
