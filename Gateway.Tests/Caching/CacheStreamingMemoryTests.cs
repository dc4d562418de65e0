using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Caching;
using PyAirtable.Gateway.Tests.Functional;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>
/// Issue 23: a cacheable response larger than the route's object size streams through uncached, in flat memory.
/// Allocation counters are process-wide, so this runs alone (<see cref="SerialCollection"/>).
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class CacheStreamingMemoryTests
{
    private const long TotalBytes = 300L * 1024 * 1024;
    private const long MaxAllocatedBytes = 64L * 1024 * 1024;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_300MegabyteCacheableResponse_StreamsUncachedInFlatMemory(bool contentLength)
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, record) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=600";
            if (record.RawTarget != "/export/big")
            {
                await FakeUpstream.Respond(200, "warm")(context, record);
                return;
            }

            context.Response.ContentType = "application/octet-stream";
            if (contentLength)
            {
                context.Response.ContentLength = TotalBytes;
            }

            var chunk = new byte[64 * 1024];
            new Random(1).NextBytes(chunk);
            for (long sent = 0; sent < TotalBytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);
        var cache = gateway.App.Services.GetRequiredService<MemoryResponseCache>();

        // Warm up the route (JIT, connection pools, the cache's code paths) so that none of it is counted.
        using (var warm = await gateway.GetAsync("/api/airtable/warm"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        Assert.Equal(1, cache.Count);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var heapPeak = heapBefore;

        long received = 0;
        var stopwatch = Stopwatch.StartNew();
        string cacheStatus;
        using (var response = await gateway.SendAsync(
            GatewayHost.Request(HttpMethod.Get, "/api/airtable/export/big"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            cacheStatus = CacheFixture.Status(response);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30))) > 0)
            {
                received += read;
                if ((received & ((16 * 1024 * 1024) - 1)) < read)
                {
                    heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                }
            }
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.Equal(TotalBytes, received);
        Assert.StartsWith("PyAirtableGateway; fwd=uri-miss", cacheStatus, StringComparison.Ordinal);
        Assert.True(allocated < MaxAllocatedBytes,
            $"{allocated / (1024 * 1024)} MB allocated while streaming 300 MB in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.True(heapPeak - heapBefore < MaxAllocatedBytes, $"the managed heap grew by {(heapPeak - heapBefore) / (1024 * 1024)} MB");
        Assert.Equal(1, cache.Count); // the warm-up entry only

        // Not stored: the same request goes to the service again (headers are enough to tell).
        using (var again = await gateway.SendAsync(
            GatewayHost.Request(HttpMethod.Get, "/api/airtable/export/big"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.StartsWith("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(again), StringComparison.Ordinal);
        }

        Assert.Equal(3, airtable.ContactCount);
    }
}
