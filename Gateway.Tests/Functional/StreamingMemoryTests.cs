using System.Diagnostics;
using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Runs alone, so the process's memory reflects only this test.</summary>
[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>Contract "Forwarding rules": response bodies are streamed, never buffered whole.</summary>
[Collection(nameof(SerialCollection))]
public sealed class StreamingMemoryTests
{
    private const long TotalBytes = 300L * 1024 * 1024;
    private const long MaxGrowthBytes = 64L * 1024 * 1024;

    [Fact]
    public async Task Forward_300MegabyteResponse_StreamsWithFlatMemory()
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, record) =>
        {
            if (record.RawTarget != "/export/big")
            {
                await FakeUpstream.Respond(200, "warm")(context, record);
                return;
            }

            context.Response.ContentType = "application/octet-stream";
            var chunk = new byte[64 * 1024];
            new Random(1).NextBytes(chunk);
            for (long sent = 0; sent < TotalBytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);

        // Warm up the route so JIT and connection pools are not counted as growth.
        using (var warm = await gateway.GetAsync("/api/airtable/warm"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (await timer.WaitForNextTickAsync(sampling.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result))
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
            }
        });

        long received = 0;
        var stopwatch = Stopwatch.StartNew();
        using (var response = await gateway.SendAsync(
            GatewayHost.Request(HttpMethod.Get, "/api/airtable/export/big"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30))) > 0)
            {
                received += read;
            }
        }

        await sampling.CancelAsync();
        await sampler;
        process.Refresh();
        peak = Math.Max(peak, process.WorkingSet64);

        Assert.Equal(TotalBytes, received);
        var growth = peak - baseline;
        Assert.True(growth < MaxGrowthBytes,
            $"working set grew by {growth / (1024 * 1024)} MB while streaming 300 MB in {stopwatch.Elapsed.TotalSeconds:F1} s");
    }
}
