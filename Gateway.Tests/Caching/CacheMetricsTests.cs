using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>The cache's metrics by route: hits, misses, stale answers, evictions and bytes held.</summary>
public sealed class CacheMetricsTests
{
    [Fact]
    public async Task Requests_HitsMissesStaleEvictionsBytes_CountedByRoute()
    {
        await using var f = await CacheFixture.StartAsync(new() { ["Gateway:Cache:MemoryBytes"] = "1048576" });
        var factory = f.Gateway.App.Services.GetRequiredService<IMeterFactory>();
        var sums = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("gateway_cache_", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "route" && (string?)tag.Value == "airtable")
                {
                    lock (sums)
                    {
                        sums[instrument.Name] = sums.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            }
        });
        listener.Start();
        var big = new string('x', 600_000);

        f.Answer(big, ("Cache-Control", "max-age=60"));
        (await f.GetAsync("/api/airtable/big1")).Dispose();
        (await f.GetAsync("/api/airtable/big1")).Dispose();
        (await f.GetAsync("/api/airtable/big2")).Dispose();
        (await f.GetAsync("/api/airtable/big2")).Dispose();
        f.Answer("small", ("Cache-Control", "max-age=0"));
        (await f.GetAsync("/api/airtable/small")).Dispose();
        using var stale = await f.GetAsync("/api/airtable/small", CacheFixture.AliceKey, ("Cache-Control", "max-stale"));

        // Every stored response was found again (a hit), so every store and eviction has been counted.
        Assert.StartsWith("PyAirtableGateway; hit; ttl=-", CacheFixture.Status(stale), StringComparison.Ordinal);
        lock (sums)
        {
            Assert.Equal(3, sums["gateway_cache_hits"]);
            Assert.Equal(3, sums["gateway_cache_misses"]);
            Assert.Equal(1, sums["gateway_cache_stale"]);
            Assert.Equal(1, sums["gateway_cache_evictions"]);
            Assert.InRange(sums["gateway_cache_bytes"], 600_005, 1_048_576);
        }
    }
}
