using System.Text.Json;

namespace PyAirtable.Gateway.Caching;

/// <summary>The response cache's part of the dashboard feed: what is held, whether it is shared, and per route the hits, misses and hit ratio since start.</summary>
internal sealed class CacheFeed(CacheMetrics metrics, MemoryResponseCache memory, RedisResponseCache shared)
{
    /// <summary>Writes <c>"cache": {"entries", "bytes", "shared", "routes": [{"route", "hits", "misses", "stale", "evictions", "bytes", "hitRatio"}]}</c>, busiest route first.</summary>
    public void Write(Utf8JsonWriter json)
    {
        var rows = new List<KeyValuePair<string, CacheMetrics.RouteCounts>>(metrics.Routes);
        rows.Sort(static (a, b) =>
        {
            var busier = (Volatile.Read(ref b.Value.Hits) + Volatile.Read(ref b.Value.Misses)).CompareTo(Volatile.Read(ref a.Value.Hits) + Volatile.Read(ref a.Value.Misses));
            return busier != 0 ? busier : string.CompareOrdinal(a.Key, b.Key);
        });

        json.WriteStartObject("cache");
        json.WriteNumber("entries", memory.Count);
        json.WriteNumber("bytes", memory.Bytes);
        json.WriteBoolean("shared", shared.Enabled);
        json.WriteStartArray("routes");
        foreach (var (route, counts) in rows)
        {
            json.WriteStartObject();
            json.WriteString("route", route);
            json.WriteNumber("hits", Volatile.Read(ref counts.Hits));
            json.WriteNumber("misses", Volatile.Read(ref counts.Misses));
            json.WriteNumber("stale", Volatile.Read(ref counts.Stale));
            json.WriteNumber("evictions", Volatile.Read(ref counts.Evictions));
            json.WriteNumber("bytes", Volatile.Read(ref counts.Bytes));
            if (counts.HitRatio is { } ratio)
            {
                json.WriteNumber("hitRatio", Math.Round(ratio, 4));
            }
            else
            {
                json.WriteNull("hitRatio");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
