using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PyAirtable.Gateway.Benchmarks.Common;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Benchmarks.Load;
using PyAirtable.Gateway.Caching;

namespace PyAirtable.Gateway.Benchmarks.Cache;

/// <summary>
/// <c>cache-memory</c>: what the response cache's memory tier costs per cached KiB. The real gateway and the bench
/// upstream run in this process; for each body size the cache is emptied, the heap measured after full collections,
/// N distinct cacheable URLs fetched through the gateway (each stored once), and the heap measured again. The delta
/// over the bodies' KiB is the cost per cached KiB (bodies, headers, keys, bookkeeping); the tier's own accounting
/// (<c>gateway_cache_bytes</c>) is shown next to it.
/// </summary>
internal static class CacheMemoryCommand
{
    public const string Help = """
        Gateway.Benchmarks cache-memory [--entries N] [--sizes 256,1024,16384]

          --entries N     distinct URLs stored per body size (10000)
          --sizes a,b     body sizes in bytes (256,1024,16384)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int entries;
        int[] sizes;
        try
        {
            var o = new OptionReader(args, new HashSet<string>(StringComparer.Ordinal));
            entries = o.Int("entries", 10_000);
            sizes = o.IntList("sizes", [256, 1024, 16_384]);
            o.ThrowOnUnknown();
            if (entries is < 100 or > 1_000_000 || sizes.Any(static s => s is < 2 or > 1_048_576))
            {
                throw new ArgumentException("--entries must be 100 to 1000000 and every size 2 to 1048576 bytes.");
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Help);
            return 2;
        }

        var upstream = EmulatedServiceHost.Create(EmulatedServiceKind.BenchUpstream, 0, LogLevel.Warning);
        await upstream.StartAsync();
        var upstreamUrl = EmulatedServiceHost.BoundAddress(upstream).ToString().TrimEnd('/');
        var budget = (long)entries * (sizes.Max() + 4096) * 2;
        var gateway = global::Program.CreateApp(
        [
            "--urls=http://127.0.0.1:0", $"--AIRTABLE_GATEWAY_URL={upstreamUrl}", $"--MCP_SERVER_URL={upstreamUrl}", $"--LLM_ORCHESTRATOR_URL={upstreamUrl}",
            $"--API_KEY={RequestTemplate.ApiKey}", "--RATE_LIMIT_PER_MINUTE=0", "--CHAT_RATE_LIMIT_PER_MINUTE=0", "--Gateway:Documentation:Enabled=false",
            "--Gateway:Health:IntervalSeconds=0", $"--Gateway:Cache:MemoryBytes={budget.ToString(CultureInfo.InvariantCulture)}",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:PyAirtable.Gateway.AccessLog=Warning",
        ]);
        await gateway.StartAsync();
        try
        {
            var address = gateway.Urls.First(static u => u.Contains("127.0.0.1", StringComparison.Ordinal));
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
            {
                BaseAddress = new Uri(address),
            };
            client.DefaultRequestHeaders.Add("X-API-Key", RequestTemplate.ApiKey);
            var cache = gateway.Services.GetRequiredService<MemoryResponseCache>();

            Console.WriteLine($"cache-memory: {entries} entries per size, in-process gateway and upstream, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}");
            Console.WriteLine();
            Console.WriteLine("| body bytes | entries | bodies KiB | heap delta KiB | heap bytes per cached KiB | heap bytes per entry beyond the body | accounted bytes per entry |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

            // Warm-up: the code paths and the connection pool, so none of it counts.
            await FillAsync(client, "warm", 500, 1024);
            await StoredAsync(cache, 500);
            foreach (var size in sizes)
            {
                cache.Purge("");
                var before = SettledHeap();
                await FillAsync(client, "s" + size.ToString(CultureInfo.InvariantCulture), entries, size);
                await StoredAsync(cache, entries);
                var after = SettledHeap();
                if (cache.Count != entries)
                {
                    Console.Error.WriteLine($"expected {entries} stored entries of {size} bytes, found {cache.Count}");
                    return 1;
                }

                var delta = after - before;
                var bodyKiB = (double)entries * size / 1024;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {size} | {entries} | {bodyKiB:0} | {delta / 1024.0:0} | {delta / bodyKiB:0} | {(delta - ((double)entries * size)) / entries:0} | {(double)cache.Bytes / entries:0} |"));
                GC.KeepAlive(cache);
            }
        }
        finally
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
            await upstream.StopAsync();
            await upstream.DisposeAsync();
        }

        return 0;
    }

    /// <summary>A response is stored once its body has gone to the client: the last few may land just after the client is done.</summary>
    private static async Task StoredAsync(MemoryResponseCache cache, int count)
    {
        for (var i = 0; i < 500 && cache.Count < count; i++)
        {
            await Task.Delay(10);
        }
    }

    private static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task FillAsync(HttpClient client, string tag, int count, int size)
    {
        var next = -1;
        var workers = new Task[8];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var path = string.Create(CultureInfo.InvariantCulture, $"/api/airtable/bench/json?size={size}&max-age=3600&k={tag}-{i}");
                    using var response = await client.GetAsync(path);
                    await response.Content.CopyToAsync(Stream.Null);
                    if (!response.Headers.TryGetValues("Cache-Status", out var status) || !status.First().EndsWith("stored", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"{path} was not stored ({(int)response.StatusCode}, {string.Join(", ", status ?? [])})");
                    }
                }
            });
        }

        await Task.WhenAll(workers);
    }
}
