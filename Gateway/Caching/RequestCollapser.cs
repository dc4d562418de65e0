using System.Collections.Concurrent;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// Request collapsing: the first cacheable miss for a key leads (goes to the service); the others for the same key
/// wait for it to finish, bounded, then look in the cache again. A leader that fails or is cancelled stores nothing,
/// so the waiters then go to the service themselves.
/// A URL whose last answer could not be stored is remembered for <see cref="UncacheableLifetime"/> ("hit-for-miss",
/// as Varnish calls it): its requests go to the service at once, side by side, instead of queueing behind each other
/// for an answer that will not be stored. An answer that can be stored forgets the mark, and collapsing resumes.
/// </summary>
internal sealed class RequestCollapser
{
    /// <summary>How long a URL stays marked after an answer that could not be stored.</summary>
    public static readonly TimeSpan UncacheableLifetime = TimeSpan.FromMinutes(2);

    /// <summary>The most URLs marked at once (each a small dictionary entry); past it, new marks wait until old ones expire.</summary>
    public const int MaxUncacheable = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, TaskCompletionSource> _leaders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, string Query), long> _uncacheable = new();
    private int _marks;

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

    /// <summary>True when the last answer for this URL, less than <see cref="UncacheableLifetime"/> ago, could not be stored.</summary>
    public bool IsUncacheable(string path, string query, DateTimeOffset now)
    {
        if (Volatile.Read(ref _marks) == 0 || !_uncacheable.TryGetValue((path, query), out var until))
        {
            return false;
        }

        if (now.UtcTicks < until)
        {
            return true;
        }

        Forget(new KeyValuePair<(string, string), long>((path, query), until));
        return false;
    }

    /// <summary>Marks the URL: its answer could not be stored (renewed at most once per half lifetime, so a busy URL writes rarely).</summary>
    public void MarkUncacheable(string path, string query, DateTimeOffset now)
    {
        var key = (path, query);
        var until = (now + UncacheableLifetime).UtcTicks;
        if (_uncacheable.TryGetValue(key, out var current))
        {
            if (current - now.UtcTicks < UncacheableLifetime.Ticks / 2)
            {
                _uncacheable[key] = until;
            }

            return;
        }

        if (Volatile.Read(ref _marks) >= MaxUncacheable && !Sweep(now))
        {
            return;
        }

        if (_uncacheable.TryAdd(key, until))
        {
            Interlocked.Increment(ref _marks);
        }
    }

    /// <summary>An answer for the URL was stored: collapse its misses again.</summary>
    public void ClearUncacheable(string path, string query)
    {
        if (Volatile.Read(ref _marks) > 0 && _uncacheable.TryRemove((path, query), out _))
        {
            Interlocked.Decrement(ref _marks);
        }
    }

    /// <summary>URLs marked now (tests).</summary>
    public int UncacheableCount => Volatile.Read(ref _marks);

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

    private void Forget(KeyValuePair<(string, string), long> mark)
    {
        if (_uncacheable.TryRemove(mark))
        {
            Interlocked.Decrement(ref _marks);
        }
    }

    /// <summary>Drops the expired marks; true when there is room for another.</summary>
    private bool Sweep(DateTimeOffset now)
    {
        foreach (var mark in _uncacheable)
        {
            if (mark.Value <= now.UtcTicks)
            {
                Forget(mark);
            }
        }

        return Volatile.Read(ref _marks) < MaxUncacheable;
    }
}
