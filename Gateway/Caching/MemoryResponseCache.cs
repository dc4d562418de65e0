namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The memory tier: entries by raw path (a bucket per path, its variants by query, identity and selecting header
/// values), a byte budget (<see cref="CacheOptions.MemoryBytes"/>) kept by evicting the least recently used
/// entries, whatever their size. One lock guards the buckets and the recency list; everything under it is O(1) but
/// for a bucket's short variant list.
/// </summary>
internal sealed class MemoryResponseCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<CachedResponse>> _buckets = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedResponse> _recency = new();
    private readonly long _budget;
    private readonly CacheMetrics _metrics;
    private long _bytes;

    public MemoryResponseCache(IOptions<CacheOptions> options, CacheMetrics metrics)
    {
        _budget = options.Value.MemoryBytes;
        _metrics = metrics;
    }

    /// <summary>Bytes held now.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _recency.Count;
            }
        }
    }

    /// <summary>The newest entry for the request, or null; <paramref name="pathKnown"/> says whether the path has any entry.</summary>
    public CachedResponse? Find(string path, string query, string? identity, HttpRequest request, out bool pathKnown)
    {
        lock (_gate)
        {
            if (!_buckets.TryGetValue(path, out var bucket))
            {
                pathKnown = false;
                return null;
            }

            pathKnown = true;
            CachedResponse? best = null;
            for (var i = 0; i < bucket.Count; i++)
            {
                var entry = bucket[i];
                if (entry.Selects(query, identity, request) && (best is null || entry.ResponseTime > best.ResponseTime))
                {
                    best = entry;
                }
            }

            if (best?.Node is { } node && node != _recency.First)
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
            }

            return best;
        }
    }

    /// <summary>Stores <paramref name="entry"/>, replacing the same variant, and evicts least recently used entries past the budget.</summary>
    public void Store(CachedResponse entry)
    {
        var size = entry.Size;
        if (size > _budget)
        {
            return;
        }

        lock (_gate)
        {
            if (!_buckets.TryGetValue(entry.Path, out var bucket))
            {
                _buckets[entry.Path] = bucket = new List<CachedResponse>(1);
            }

            for (var i = bucket.Count - 1; i >= 0; i--)
            {
                if (bucket[i].SameVariant(entry))
                {
                    RemoveAt(bucket, i);
                }
            }

            bucket.Add(entry);
            entry.Node = _recency.AddFirst(entry);
            _bytes += size;
            _metrics.Stored(entry.Route, size);
            while (_bytes > _budget && _recency.Last is { } oldest)
            {
                var victim = oldest.Value;
                var owner = _buckets[victim.Path];
                RemoveAt(owner, owner.IndexOf(victim));
                if (owner.Count == 0)
                {
                    _buckets.Remove(victim.Path);
                }

                _metrics.Evicted(victim.Route);
            }
        }
    }

    /// <summary>Removes <paramref name="entry"/> when it is still stored (a variant that turned out unusable).</summary>
    public void Remove(CachedResponse entry)
    {
        lock (_gate)
        {
            if (_buckets.TryGetValue(entry.Path, out var bucket))
            {
                var index = bucket.IndexOf(entry);
                if (index >= 0)
                {
                    RemoveAt(bucket, index);
                    if (bucket.Count == 0)
                    {
                        _buckets.Remove(entry.Path);
                    }
                }
            }
        }
    }

    /// <summary>Removes every entry of <paramref name="path"/> (all queries, identities and variants); the number removed.</summary>
    public int Invalidate(string path)
    {
        lock (_gate)
        {
            if (!_buckets.Remove(path, out var bucket))
            {
                return 0;
            }

            var count = bucket.Count;
            for (var i = count - 1; i >= 0; i--)
            {
                RemoveAt(bucket, i);
            }

            return count;
        }
    }

    /// <summary>Removes every entry whose path starts with <paramref name="prefix"/> (everything for an empty one); the number removed.</summary>
    public int Purge(string prefix)
    {
        lock (_gate)
        {
            var paths = new List<string>();
            foreach (var path in _buckets.Keys)
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    paths.Add(path);
                }
            }

            var count = 0;
            foreach (var path in paths)
            {
                var bucket = _buckets[path];
                count += bucket.Count;
                for (var i = bucket.Count - 1; i >= 0; i--)
                {
                    RemoveAt(bucket, i);
                }

                _buckets.Remove(path);
            }

            return count;
        }
    }

    private void RemoveAt(List<CachedResponse> bucket, int index)
    {
        var entry = bucket[index];
        bucket.RemoveAt(index);
        if (entry.Node is { } node)
        {
            _recency.Remove(node);
            entry.Node = null;
            _bytes -= entry.Size;
            _metrics.Removed(entry.Route, entry.Size);
        }
    }
}
