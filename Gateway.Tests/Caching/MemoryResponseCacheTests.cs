using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Caching;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>The memory tier on its own: lock-free lookups, the byte budget kept under concurrent use, recency with sampled eviction.</summary>
public sealed class MemoryResponseCacheTests : IDisposable
{
    private const long Budget = 1024 * 1024;

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private MemoryResponseCache Cache() =>
        new(Options.Create(new CacheOptions { MemoryBytes = Budget }), new CacheMetrics(_services.GetRequiredService<IMeterFactory>()));

    private static CachedResponse Entry(string path, int bodyBytes) => new()
    {
        Route = "airtable",
        Path = path,
        Query = "",
        Identity = null,
        Status = 200,
        Headers = [],
        Body = new byte[bodyBytes],
        ResponseTime = DateTimeOffset.UtcNow,
        InitialAge = TimeSpan.Zero,
        FreshnessLifetime = TimeSpan.FromMinutes(1),
        NoStaleReuse = false,
        AlwaysValidate = false,
        ETag = null,
        LastModified = null,
        SelectingNames = [],
        SelectingValues = [],
        HeaderBytes = 0,
    };

    private static readonly HttpRequest Request = new DefaultHttpContext().Request;

    private static CachedResponse? Find(MemoryResponseCache cache, string path) => cache.Find(path, "", null, Request, out _);

    /// <summary>Waits until the clock moved past the tier's stamp resolution, so the next use is newer than every earlier one.</summary>
    private static void Tick()
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < TimeSpan.FromMilliseconds(0.3))
        {
            Thread.SpinWait(20);
        }
    }

    [Fact]
    public void ManyEntries_SampledEviction_KeepsBudgetAndRecentlyUsed()
    {
        var cache = Cache();
        string[] hot = [.. Enumerable.Range(0, 8).Select(i => "/hot/" + i)];
        foreach (var path in hot)
        {
            cache.Store(Entry(path, 4000));
        }

        for (var i = 0; i < 2000; i++)
        {
            if (i % 50 == 0)
            {
                Tick();
                foreach (var path in hot)
                {
                    Assert.NotNull(Find(cache, path));
                }

                Tick();
            }

            cache.Store(Entry("/cold/" + i, 4000));
            Assert.True(cache.Bytes <= Budget, $"{cache.Bytes} bytes held");
        }

        Assert.All(hot, path => Assert.NotNull(Find(cache, path)));
        Assert.Null(Find(cache, "/cold/0"));
        Assert.NotNull(Find(cache, "/cold/1999"));
        Assert.InRange(cache.Count, 200, 256); // ~4.3 KB entries in 1 MiB
    }

    [Fact]
    public async Task ConcurrentReadersAndWriters_BudgetKept_BytesAddUp()
    {
        var cache = Cache();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var overBudget = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Factory.StartNew(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var path = "/p/" + ((i * 7) + w) % 600;
                if (i % 10 == 0)
                {
                    cache.Invalidate(path);
                }
                else
                {
                    cache.Store(Entry(path, 1000 + (i % 7 * 1000)));
                }

                if (cache.Bytes > Budget)
                {
                    Interlocked.Increment(ref overBudget);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Factory.StartNew(() =>
        {
            var found = 0L;
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                if (Find(cache, "/p/" + (i % 600)) is { } entry)
                {
                    found += entry.Body.Length > 0 ? 1 : 0;
                }
            }

            return found;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(writers);
        var hits = await Task.WhenAll(readers);

        Assert.Equal(0, overBudget);
        Assert.True(hits.Sum() > 0);
        var held = Enumerable.Range(0, 600).Select(i => Find(cache, "/p/" + i)).Where(e => e is not null).Sum(e => e!.Size);
        Assert.Equal(held, cache.Bytes);
        cache.Purge("");
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void SameVariantStoredAgain_Replaced_BytesCountedOnce()
    {
        var cache = Cache();
        cache.Store(Entry("/a", 1000));
        var second = Entry("/a", 2000);
        cache.Store(second);

        Assert.Same(second, Find(cache, "/a"));
        Assert.Equal(1, cache.Count);
        Assert.Equal(second.Size, cache.Bytes);
        Assert.Equal(1, cache.Invalidate("/a"));
        Assert.Equal(0, cache.Bytes);
    }

    public void Dispose() => _services.Dispose();
}
