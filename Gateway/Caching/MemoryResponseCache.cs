using System.Collections.Concurrent;
using System.Diagnostics;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The memory tier: entries by raw path (a bucket per path, its variants by query, identity and selecting header
/// values), a byte budget (<see cref="CacheOptions.MemoryBytes"/>) kept by evicting the least recently used entries,
/// whatever their size.
/// <para>
/// Lookups take no lock: buckets are immutable arrays in a concurrent dictionary, replaced whole by writers, and a
/// hit only stamps its entry's last use (at most once per 100 µs, so a hot entry's cache line is not written by every
/// core on every hit). Writers (store, remove, invalidate, purge) take one lock. Eviction is least recently used by
/// those stamps: exact while the tier holds few entries, sampled past that (the oldest of
/// <see cref="EvictionSample"/> random entries goes first, as Redis does).
/// </para>
/// </summary>
internal sealed class MemoryResponseCache
{
    /// <summary>Entries compared per eviction once the tier holds more than this many.</summary>
    internal const int EvictionSample = 16;

    /// <summary>Timestamp ticks a hit's stamp may lag behind (100 µs).</summary>
    private static readonly long StampResolution = Math.Max(1, Stopwatch.Frequency / 10_000);

    private readonly Lock _writeGate = new();
    private readonly ConcurrentDictionary<string, CachedResponse[]> _buckets = new(StringComparer.Ordinal);
    private readonly List<CachedResponse> _entries = [];
    private readonly long _budget;
    private readonly CacheMetrics _metrics;
    private long _bytes;

    public MemoryResponseCache(IOptions<CacheOptions> options, CacheMetrics metrics)
    {
        _budget = options.Value.MemoryBytes;
        _metrics = metrics;
    }

    /// <summary>Bytes held now.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public int Count
    {
        get
        {
            lock (_writeGate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The newest entry for the request, or null; <paramref name="pathKnown"/> says whether the path has any entry. Lock-free.</summary>
    public CachedResponse? Find(string path, string query, string? identity, HttpRequest request, out bool pathKnown)
    {
        if (!_buckets.TryGetValue(path, out var bucket))
        {
            pathKnown = false;
            return null;
        }

        pathKnown = true;
        CachedResponse? best = null;
        for (var i = 0; i < bucket.Length; i++)
        {
            var entry = bucket[i];
            if (entry.Selects(query, identity, request) && (best is null || entry.ResponseTime > best.ResponseTime))
            {
                best = entry;
            }
        }

        if (best is not null)
        {
            var now = Stopwatch.GetTimestamp();
            if (now - Volatile.Read(ref best.LastUsed) > StampResolution)
            {
                Volatile.Write(ref best.LastUsed, now);
            }
        }

        return best;
    }

    /// <summary>Stores <paramref name="entry"/>, replacing the same variant, and evicts least recently used entries past the budget.</summary>
    public void Store(CachedResponse entry)
    {
        var size = entry.Size;
        if (size > _budget)
        {
            return;
        }

        lock (_writeGate)
        {
            if (entry.Slot >= 0)
            {
                return; // already stored (a promoted copy stored twice)
            }

            if (_buckets.TryGetValue(entry.Path, out var bucket))
            {
                foreach (var other in bucket)
                {
                    if (other.SameVariant(entry))
                    {
                        RemoveFromBucket(other);
                        Unlink(other);
                    }
                }
            }

            // Room first, so that the bytes held never exceed the budget, not even for a moment.
            while (_bytes + size > _budget && _entries.Count > 0)
            {
                var victim = Oldest();
                RemoveFromBucket(victim);
                Unlink(victim);
                _metrics.Evicted(victim.Route);
            }

            _buckets[entry.Path] = _buckets.TryGetValue(entry.Path, out bucket) ? [.. bucket, entry] : [entry];
            entry.LastUsed = Stopwatch.GetTimestamp();
            entry.Slot = _entries.Count;
            _entries.Add(entry);
            Volatile.Write(ref _bytes, _bytes + size);
            _metrics.Stored(entry.Route, size);
        }
    }

    /// <summary>Removes <paramref name="entry"/> when it is still stored (a variant that turned out unusable).</summary>
    public void Remove(CachedResponse entry)
    {
        lock (_writeGate)
        {
            if (entry.Slot >= 0)
            {
                RemoveFromBucket(entry);
                Unlink(entry);
            }
        }
    }

    /// <summary>Removes every entry of <paramref name="path"/> (all queries, identities and variants); the number removed.</summary>
    public int Invalidate(string path)
    {
        lock (_writeGate)
        {
            if (!_buckets.TryRemove(path, out var bucket))
            {
                return 0;
            }

            foreach (var entry in bucket)
            {
                Unlink(entry);
            }

            return bucket.Length;
        }
    }

    /// <summary>Removes every entry whose path starts with <paramref name="prefix"/> (everything for an empty one); the number removed.</summary>
    public int Purge(string prefix)
    {
        lock (_writeGate)
        {
            var count = 0;
            foreach (var path in _buckets.Keys)
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal) && _buckets.TryRemove(path, out var bucket))
                {
                    foreach (var entry in bucket)
                    {
                        Unlink(entry);
                    }

                    count += bucket.Length;
                }
            }

            return count;
        }
    }

    /// <summary>The least recently used entry: of all while few, else of a random sample.</summary>
    private CachedResponse Oldest()
    {
        var count = _entries.Count;
        var sampled = count > EvictionSample * 4;
        var rounds = sampled ? EvictionSample : count;
        var oldest = _entries[sampled ? Random.Shared.Next(count) : 0];
        for (var i = 1; i < rounds; i++)
        {
            var candidate = _entries[sampled ? Random.Shared.Next(count) : i];
            if (Volatile.Read(ref candidate.LastUsed) < Volatile.Read(ref oldest.LastUsed))
            {
                oldest = candidate;
            }
        }

        return oldest;
    }

    private void RemoveFromBucket(CachedResponse entry)
    {
        if (!_buckets.TryGetValue(entry.Path, out var bucket))
        {
            return;
        }

        var index = Array.IndexOf(bucket, entry);
        if (index < 0)
        {
            return;
        }

        if (bucket.Length == 1)
        {
            _buckets.TryRemove(entry.Path, out _);
            return;
        }

        var rest = new CachedResponse[bucket.Length - 1];
        Array.Copy(bucket, 0, rest, 0, index);
        Array.Copy(bucket, index + 1, rest, index, bucket.Length - index - 1);
        _buckets[entry.Path] = rest;
    }

    /// <summary>Takes <paramref name="entry"/> out of the entry list (swapping the last one into its slot) and the byte count.</summary>
    private void Unlink(CachedResponse entry)
    {
        var slot = entry.Slot;
        if (slot < 0)
        {
            return;
        }

        var last = _entries[^1];
        _entries[slot] = last;
        last.Slot = slot;
        _entries.RemoveAt(_entries.Count - 1);
        entry.Slot = -1;
        Volatile.Write(ref _bytes, _bytes - entry.Size);
        _metrics.Removed(entry.Route, entry.Size);
    }
}
