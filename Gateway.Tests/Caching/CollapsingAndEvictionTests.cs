using System.Net;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Security;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>Request collapsing, the byte budget and the route's cache settings.</summary>
public sealed class CollapsingAndEvictionTests
{
    [Fact]
    public async Task Get_100ConcurrentMisses_OneServiceRequest()
    {
        await using var f = await CacheFixture.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Upstream.Handler = async (context, _) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await FakeUpstream.WriteAsync(context, 200, "{\"n\":1}"u8.ToArray(), "application/json", ("Cache-Control", "max-age=60"));
        };

        var requests = new Task<HttpResponseMessage>[100];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = f.GetAsync("/api/airtable/bases/app1/tables");
        }

        await f.Upstream.NextContactAsync();
        release.SetResult();
        var responses = await Task.WhenAll(requests).WithTimeout();

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"n\":1}", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Equal(1, f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("no-freshness")]
    [InlineData("no-store")]
    [InlineData("over-max-object")]
    public async Task Get_UrlWhoseAnswerCannotBeStored_ConcurrentMissesGoToServiceSideBySide(string answer)
    {
        // A collapse wait longer than the signal timeout: a waiter queued behind the first request fails the test.
        await using var f = await CacheFixture.StartAsync(new()
        {
            ["Gateway:Cache:CollapseWaitSeconds"] = "60",
            ["Gateway:Routes:airtable:Cache:MaxObjectBytes"] = "1000",
        });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        release.SetResult(); // the first request is answered at once
        var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        f.Upstream.Handler = async (context, _) =>
        {
            if (Interlocked.Increment(ref arrived) == 3)
            {
                bothArrived.TrySetResult();
            }

            await release.Task.WaitAsync(context.RequestAborted);
            await AnswerAsync(context, answer);
        };
        (await f.GetAsync("/api/airtable/live")).Dispose();

        release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = f.GetAsync("/api/airtable/live");
        var b = f.GetAsync("/api/airtable/live");
        await bothArrived.Task.WithTimeout();
        release.SetResult();

        using var responseA = await a.WithTimeout();
        using var responseB = await b.WithTimeout();
        Assert.Equal(HttpStatusCode.OK, responseA.StatusCode);
        Assert.Equal(HttpStatusCode.OK, responseB.StatusCode);
        Assert.Equal(3, f.Upstream.ContactCount);
    }

    private static Task AnswerAsync(HttpContext context, string answer)
    {
        switch (answer)
        {
            case "no-store":
                return FakeUpstream.WriteAsync(context, 200, "{}"u8.ToArray(), "application/json", ("Cache-Control", "no-store"));
            case "over-max-object":
                // Storable by its headers, chunked: found too large only while copying.
                context.Response.Headers.CacheControl = "max-age=60";
                return context.Response.Body.WriteAsync(new byte[5000]).AsTask();
            default:
                return FakeUpstream.WriteAsync(context, 200, "{\"live\":true}"u8.ToArray(), "application/json");
        }
    }

    [Fact]
    public async Task Get_ServiceFailed_UrlNotMarkedNextAnswerStored()
    {
        await using var f = await CacheFixture.StartAsync();
        f.Upstream.Handler = FakeUpstream.Respond(500, "{}", "application/json");
        (await f.GetAsync("/api/airtable/failing")).Dispose();
        f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var next = await f.GetAsync("/api/airtable/failing");

        // A marked URL would pass this answer through uncopied.
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(next));
    }

    [Fact]
    public async Task Get_UrlTurnsStorable_StoredAndMissesCollapsedAgain()
    {
        await using var f = await CacheFixture.StartAsync(new() { ["Gateway:Cache:CollapseWaitSeconds"] = "60" });
        f.Answer("{}", ("Cache-Control", "no-store"));
        (await f.GetAsync("/api/airtable/turns")).Dispose();
        f.Answer("{\"n\":2}", ("Cache-Control", "max-age=60"));
        using (var passed = await f.GetAsync("/api/airtable/turns"))
        using (var stored = await f.GetAsync("/api/airtable/turns"))
        {
            // The first storable answer passes uncopied (the URL was marked) and lifts the mark; the next is stored.
            Assert.Equal("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(passed));
            Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(stored));
        }

        // Purged, the URL misses again, and its concurrent misses are collapsed once more.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Upstream.Handler = async (context, _) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await FakeUpstream.WriteAsync(context, 200, "{\"n\":3}"u8.ToArray(), "application/json", ("Cache-Control", "max-age=60"));
        };
        (await f.SendAsync(HttpMethod.Delete, "/_gateway/cache", GatewayHost.ApiKey)).Dispose();
        for (var i = 0; i < 3; i++)
        {
            await f.Upstream.NextContactAsync(); // the three answers above
        }

        var requests = new Task<HttpResponseMessage>[20];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = f.GetAsync("/api/airtable/turns");
        }

        await f.Upstream.NextContactAsync();
        release.SetResult();
        foreach (var response in await Task.WhenAll(requests).WithTimeout())
        {
            Assert.Equal("{\"n\":3}", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Equal(4, f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_LeaderCancelled_WaiterGoesToServiceItselfNothingBrokenStored()
    {
        await using var f = await CacheFixture.StartAsync();
        var calls = 0;
        f.Upstream.Handler = async (context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.CacheControl = "max-age=60";
                await context.Response.StartAsync();
                await context.Response.Body.WriteAsync("part"u8.ToArray());
                await context.Response.Body.FlushAsync();
                await context.RequestAborted.WhenCancelled();
                return;
            }

            await FakeUpstream.WriteAsync(context, 200, "whole"u8.ToArray(), "text/plain", ("Cache-Control", "max-age=60"));
        };

        using var cts = new CancellationTokenSource();
        var leaderRequest = new HttpRequestMessage(HttpMethod.Get, "/api/airtable/slow");
        leaderRequest.Headers.Add("X-API-Key", CacheFixture.AliceKey);
        var leader = f.Gateway.Client.SendAsync(leaderRequest, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await f.Upstream.NextContactAsync();
        var waiter = f.GetAsync("/api/airtable/slow");
        using (var leaderResponse = await leader.WithTimeout())
        {
            cts.Cancel();
        }

        using var waited = await waiter;
        using var after = await f.GetAsync("/api/airtable/slow");

        Assert.Equal("whole", await waited.Content.ReadAsStringAsync());
        Assert.Equal("whole", await after.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(after));
        Assert.Equal(2, f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Store_OverByteBudget_LeastRecentlyUsedEvicted()
    {
        await using var f = await CacheFixture.StartAsync(new()
        {
            ["Gateway:Cache:MemoryBytes"] = "1048576",
            ["Gateway:Routes:airtable:Cache:MaxObjectBytes"] = "400000",
        });
        var body = new byte[300_000];
        f.Upstream.Handler = (context, _) => FakeUpstream.WriteAsync(context, 200, body, "application/octet-stream", ("Cache-Control", "max-age=60"));

        foreach (var path in new[] { "a", "b", "c" })
        {
            (await f.GetAsync("/api/airtable/" + path)).Dispose();
        }

        using var touchA = await f.GetAsync("/api/airtable/a");
        (await f.GetAsync("/api/airtable/d")).Dispose();
        using var a = await f.GetAsync("/api/airtable/a");
        using var b = await f.GetAsync("/api/airtable/b");

        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(touchA));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(a));
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(b));
        Assert.Equal(300_000, (await b.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Get_LargerThanMaxObject_StreamsWholeNotStored()
    {
        await using var f = await CacheFixture.StartAsync(new() { ["Gateway:Routes:airtable:Cache:MaxObjectBytes"] = "1000" });
        var body = new byte[5000];
        Random.Shared.NextBytes(body);
        f.Upstream.Handler = async (context, _) =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            await context.Response.Body.WriteAsync(body); // chunked: the size is found while copying
        };

        using var first = await f.GetAsync("/api/airtable/big");
        using var second = await f.GetAsync("/api/airtable/big");

        Assert.Equal(body, await first.Content.ReadAsByteArrayAsync());
        Assert.Equal(body, await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_KeyHeader_PartOfKey()
    {
        await using var f = await CacheFixture.StartAsync(new() { ["Gateway:Routes:airtable:Cache:KeyHeaders:0"] = "X-Tenant" });
        f.Answer("{}", ("Cache-Control", "public, max-age=60"));

        using var a = await f.GetAsync("/api/airtable/t", CacheFixture.AliceKey, ("X-Tenant", "a"));
        using var b = await f.GetAsync("/api/airtable/t", CacheFixture.AliceKey, ("X-Tenant", "b"));
        using var a2 = await f.GetAsync("/api/airtable/t", CacheFixture.AliceKey, ("X-Tenant", "a"));

        Assert.Equal("PyAirtableGateway; fwd=miss; stored", CacheFixture.Status(b));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(a2));
        Assert.Equal(2, f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_RouteWithoutCache_NoCacheStatus()
    {
        await using var f = await CacheFixture.StartAsync(new() { ["Gateway:Routes:airtable:Cache:Enabled"] = "false" });
        f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var first = await f.GetAsync("/api/airtable/off");
        using var second = await f.GetAsync("/api/airtable/off");

        Assert.Equal("(none)", CacheFixture.Status(second));
        Assert.Equal(2, f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("Gateway:Routes:airtable:Cache:Enabled", "sometimes", "Gateway:Routes:airtable:Cache:Enabled")]
    [InlineData("Gateway:Routes:airtable:Cache:MaxTtlSeconds", "0", "Gateway:Routes:airtable:Cache:MaxTtlSeconds")]
    [InlineData("Gateway:Routes:airtable:Cache:DefaultTtlSeconds", "x", "Gateway:Routes:airtable:Cache:DefaultTtlSeconds")]
    [InlineData("Gateway:Routes:airtable:Cache:MaxObjectBytes", "-1", "Gateway:Routes:airtable:Cache:MaxObjectBytes")]
    [InlineData("Gateway:Routes:airtable:Cache:KeyHeaders:0", "Bad Header", "Gateway:Routes:airtable:Cache:KeyHeaders")]
    [InlineData("Gateway:Routes:airtable:Cache:Ttl", "5", "Gateway:Routes:airtable:Cache:Ttl is not a field")]
    [InlineData("Gateway:Routes:execute-tool:Cache:Enabled", "true", "Gateway:Routes:execute-tool:Cache is on but the route has no GET")]
    [InlineData("Gateway:Cache:MemoryBytes", "10", "MemoryBytes")]
    public async Task Start_BadCacheSetting_RefusedNamingIt(string key, string value, string expected)
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
