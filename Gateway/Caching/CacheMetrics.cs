using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The cache's metrics on the gateway's meter, by route name (a configured, bounded set):
/// <c>gateway_cache_hits</c> (answered without the service), <c>gateway_cache_misses</c> (forwarded), <c>gateway_cache_stale</c>
/// (answered with a stale stored response: <c>max-stale</c>, <c>stale-while-revalidate</c>, <c>stale-if-error</c>),
/// <c>gateway_cache_evictions</c> and <c>gateway_cache_bytes</c> (held now). Hit ratio: hits / (hits + misses).
/// The same counts are kept per route in memory since start for the dashboard (<see cref="Routes"/>).
/// </summary>
internal sealed class CacheMetrics
{
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _stale;
    private readonly Counter<long> _evictions;
    private readonly UpDownCounter<long> _bytes;
    private readonly ConcurrentDictionary<string, RouteCounts> _routes = new(StringComparer.Ordinal);

    public CacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        _hits = meter.CreateCounter<long>("gateway_cache_hits", description: "Requests answered from the response cache without the service (fresh or stale), by route.");
        _misses = meter.CreateCounter<long>("gateway_cache_misses", description: "Cacheable requests forwarded to the service (nothing stored, stale, refused by the request, or validated), by route.");
        _stale = meter.CreateCounter<long>("gateway_cache_stale", description: "Requests answered with a stale stored response (max-stale, stale-while-revalidate, stale-if-error), by route.");
        _evictions = meter.CreateCounter<long>("gateway_cache_evictions", description: "Stored responses evicted to stay within the memory budget, by route.");
        _bytes = meter.CreateUpDownCounter<long>("gateway_cache_bytes", unit: "By", description: "Bytes of stored responses held in memory, by route.");
    }

    public void Hit(string route)
    {
        _hits.Add(1, new KeyValuePair<string, object?>("route", route));
        Interlocked.Increment(ref For(route).Hits);
    }

    public void Miss(string route)
    {
        _misses.Add(1, new KeyValuePair<string, object?>("route", route));
        Interlocked.Increment(ref For(route).Misses);
    }

    public void Stale(string route)
    {
        _stale.Add(1, new KeyValuePair<string, object?>("route", route));
        Interlocked.Increment(ref For(route).Stale);
    }

    public void Evicted(string route)
    {
        _evictions.Add(1, new KeyValuePair<string, object?>("route", route));
        Interlocked.Increment(ref For(route).Evictions);
    }

    public void Stored(string route, long bytes)
    {
        _bytes.Add(bytes, new KeyValuePair<string, object?>("route", route));
        Interlocked.Add(ref For(route).Bytes, bytes);
    }

    public void Removed(string route, long bytes)
    {
        _bytes.Add(-bytes, new KeyValuePair<string, object?>("route", route));
        Interlocked.Add(ref For(route).Bytes, -bytes);
    }

    /// <summary>The counts since start of every route that used the cache.</summary>
    public IEnumerable<KeyValuePair<string, RouteCounts>> Routes => _routes;

    private RouteCounts For(string route) => _routes.TryGetValue(route, out var counts) ? counts : _routes.GetOrAdd(route, static _ => new RouteCounts());

    /// <summary>One route's counts since start (updated with <see cref="Interlocked"/>).</summary>
    internal sealed class RouteCounts
    {
        public long Hits;
        public long Misses;
        public long Stale;
        public long Evictions;
        public long Bytes;

        /// <summary>hits / (hits + misses); null before the first cacheable request.</summary>
        public double? HitRatio
        {
            get
            {
                var hits = Volatile.Read(ref Hits);
                var total = hits + Volatile.Read(ref Misses);
                return total == 0 ? null : (double)hits / total;
            }
        }
    }
}
