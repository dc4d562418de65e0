using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The cache's metrics on the gateway's meter, by route name (a configured, bounded set):
/// <c>gateway_cache_hits</c> (answered without the service), <c>gateway_cache_misses</c> (forwarded), <c>gateway_cache_stale</c>
/// (answered with a stale stored response: <c>max-stale</c>, <c>stale-while-revalidate</c>, <c>stale-if-error</c>),
/// <c>gateway_cache_evictions</c> and <c>gateway_cache_bytes</c> (held now). Hit ratio: hits / (hits + misses).
/// </summary>
internal sealed class CacheMetrics
{
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _stale;
    private readonly Counter<long> _evictions;
    private readonly UpDownCounter<long> _bytes;

    public CacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        _hits = meter.CreateCounter<long>("gateway_cache_hits", description: "Requests answered from the response cache without the service (fresh or stale), by route.");
        _misses = meter.CreateCounter<long>("gateway_cache_misses", description: "Cacheable requests forwarded to the service (nothing stored, stale, refused by the request, or validated), by route.");
        _stale = meter.CreateCounter<long>("gateway_cache_stale", description: "Requests answered with a stale stored response (max-stale, stale-while-revalidate, stale-if-error), by route.");
        _evictions = meter.CreateCounter<long>("gateway_cache_evictions", description: "Stored responses evicted to stay within the memory budget, by route.");
        _bytes = meter.CreateUpDownCounter<long>("gateway_cache_bytes", unit: "By", description: "Bytes of stored responses held in memory, by route.");
    }

    public void Hit(string route) => _hits.Add(1, new KeyValuePair<string, object?>("route", route));

    public void Miss(string route) => _misses.Add(1, new KeyValuePair<string, object?>("route", route));

    public void Stale(string route) => _stale.Add(1, new KeyValuePair<string, object?>("route", route));

    public void Evicted(string route) => _evictions.Add(1, new KeyValuePair<string, object?>("route", route));

    public void Stored(string route, long bytes) => _bytes.Add(bytes, new KeyValuePair<string, object?>("route", route));

    public void Removed(string route, long bytes) => _bytes.Add(-bytes, new KeyValuePair<string, object?>("route", route));
}
