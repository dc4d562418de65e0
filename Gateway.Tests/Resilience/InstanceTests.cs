using System.Net;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Resilience;

/// <summary>Several instances per service: balancing, retries elsewhere, circuits per instance, backups.</summary>
public sealed class InstanceTests
{
    private const string Path = "/api/airtable/bases/app1/tables";

    /// <summary>Answers /health with 200 and everything else with <paramref name="handler"/>.</summary>
    private static Func<HttpContext, RecordedRequest, Task> WithHealth(Func<HttpContext, RecordedRequest, Task> handler) =>
        (context, request) => context.Request.Path == "/health"
            ? FakeUpstream.WriteAsync(context, 200, """{"status":"healthy"}"""u8.ToArray(), "application/json")
            : handler(context, request);

    private static int Forwarded(FakeUpstream upstream, string method = "GET") =>
        upstream.Requests.Count(r => r.Method == method && !r.RawTarget.StartsWith("/health", StringComparison.Ordinal));

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Gateway:Health:IntervalSeconds"] = "0" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task TwoHealthyInstances_ShareTheTraffic()
    {
        await using var a = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"from":"a"}""")));
        await using var b = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"from":"b"}""")));
        await using var gateway = await GatewayHost.StartAtAsync($"{a.Url},{b.Url}", null, null, Settings());

        for (var i = 0; i < 40; i++)
        {
            using var response = await gateway.GetAsync(Path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(40, Forwarded(a) + Forwarded(b));
        Assert.InRange(Forwarded(a), 5, 35);
    }

    [Fact]
    public async Task InstanceKilledUnderLoad_NoIdempotentRequestFails()
    {
        var a = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"from":"a"}""")));
        await using var b = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"from":"b"}""")));
        await using var gateway = await GatewayHost.StartAtAsync($"{a.Url},{b.Url}", null, null, Settings());

        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = 0;
        async Task ClientAsync()
        {
            using var client = gateway.CreateClient();
            for (var i = 0; i < 60; i++)
            {
                if (Interlocked.Increment(ref sent) == 80)
                {
                    await a.DisposeAsync();
                    killed.SetResult();
                }

                using var request = GatewayHost.Request(HttpMethod.Get, Path);
                using var response = await client.SendAsync(request).WithTimeout();
                statuses.Add(response.StatusCode);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ClientAsync()));
        await killed.Task.WithTimeout();

        Assert.Equal(240, statuses.Count);
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.True(Forwarded(b) > 120, $"b served {Forwarded(b)}");
    }

    [Fact]
    public async Task InstanceReturning500_CircuitOpensAfterFive_TrafficMovesToHealthyOne()
    {
        await using var failing = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(500, """{"error":"boom"}""")));
        await using var healthy = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"ok":true}""")));
        await using var gateway = await GatewayHost.StartAtAsync($"{failing.Url},{healthy.Url}", null, null, Settings());

        for (var i = 0; i < 60; i++)
        {
            using var response = await gateway.GetAsync(Path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(5, Forwarded(failing));
        Assert.Equal(60, Forwarded(healthy));

        using var health = await gateway.GetAsync("/api/health", withKey: false);
        var json = await health.Content.ReadAsStringAsync();
        Assert.Contains($"\"url\":\"{failing.Url}\",\"status\":\"healthy\"", json, StringComparison.Ordinal);
        Assert.Contains("\"circuit\":\"open\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllInstancesOpen_Returns503FastWithoutContact_ThenTrialClosesOnRecovery()
    {
        var status = 500;
        Func<HttpContext, RecordedRequest, Task> handler = (context, _) => FakeUpstream.WriteAsync(context, status, "{}"u8.ToArray(), "application/json");
        await using var a = await FakeUpstream.StartAsync(WithHealth(handler));
        await using var b = await FakeUpstream.StartAsync(WithHealth(handler));
        await using var gateway = await GatewayHost.StartAtAsync($"{a.Url},{b.Url}", null, null,
            Settings(("Gateway:CircuitBreaker:BreakSeconds", "1")));

        // Each request tries both instances: five requests open both circuits.
        for (var i = 0; i < 5; i++)
        {
            using var failed = await gateway.GetAsync(Path);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        var contacts = Forwarded(a) + Forwarded(b);
        Assert.Equal(10, contacts);
        using (var open = await gateway.GetAsync(Path))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
            Assert.True(open.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            await Problem.AssertAsync(open, 503);
        }

        Assert.Equal(contacts, Forwarded(a) + Forwarded(b));

        // The services recover; once the break is over, one trial request closes a circuit.
        status = 200;
        var deadline = DateTime.UtcNow + Timeouts.Signal;
        HttpStatusCode last;
        do
        {
            await Task.Delay(100);
            using var probe = await gateway.GetAsync(Path);
            last = probe.StatusCode;
        }
        while (last != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, last);
        using var after = await gateway.GetAsync(Path);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task SlowInstance_GetRetriedElsewhere_PostGets504()
    {
        await using var slow = await FakeUpstream.StartAsync();
        slow.Handler = WithHealth(slow.NeverAnswer());
        await using var fast = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"ok":true}""")));
        await using var gateway = await GatewayHost.StartAtAsync($"{slow.Url},{fast.Url}", null, null,
            Settings(("UPSTREAM_TIMEOUT", "1.5"), ("Gateway:LoadBalancing:Policy", "RoundRobin"), ("Gateway:LoadBalancing:PassiveCooldownSeconds", "0")));

        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.GetAsync(Path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(Forwarded(slow) >= 1, "the slow instance was never tried");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.SendAsync(HttpMethod.Post, Path, json: """{"name":"x"}""");
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.GatewayTimeout, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Equal(1, Forwarded(slow, "POST"));
        Assert.Equal(1, Forwarded(fast, "POST"));
    }

    [Fact]
    public async Task PostWithStreamedBody_IsNeverRetried()
    {
        await using var resetting = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.AbortBeforeHeaders()));
        await using var healthy = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"ok":true}""")));
        await using var gateway = await GatewayHost.StartAtAsync($"{resetting.Url},{healthy.Url}", null, null,
            Settings(("Gateway:LoadBalancing:Policy", "RoundRobin"), ("Gateway:LoadBalancing:PassiveCooldownSeconds", "0")));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var request = GatewayHost.Request(HttpMethod.Post, Path);
            request.Content = new StreamContent(new MemoryStream(Bodies.Random(4096, seed: i)));
            request.Headers.TransferEncodingChunked = true;
            using var response = await gateway.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.BadGateway, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Equal(1, Forwarded(resetting, "POST"));
        Assert.Equal(1, Forwarded(healthy, "POST"));
    }

    [Fact]
    public async Task Backup_TakesTrafficOnlyWhenThePrimaryIsDown()
    {
        var primary = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"from":"primary"}""")));
        await using var backup = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(200, """{"from":"backup"}""")));
        await using var gateway = await GatewayHost.StartAtAsync(primary.Url, null, null,
            Settings(("AIRTABLE_GATEWAY_BACKUP_URL", backup.Url)));

        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.GetAsync(Path);
            Assert.Equal("""{"from":"primary"}""", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(0, Forwarded(backup));
        await primary.DisposeAsync();

        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.GetAsync(Path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"from":"backup"}""", await response.Content.ReadAsStringAsync());
        }

        using var health = await gateway.GetAsync("/api/health", withKey: false);
        var json = await health.Content.ReadAsStringAsync();
        Assert.Contains($"\"url\":\"{backup.Url}\",\"status\":\"healthy\"", json, StringComparison.Ordinal);
        Assert.Contains("\"backup\":true", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleInstance_FailureIsNotRetried()
    {
        await using var upstream = await FakeUpstream.StartAsync(WithHealth(FakeUpstream.Respond(500, "{}")));
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null, Settings());

        using var response = await gateway.GetAsync(Path);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, Forwarded(upstream));
    }
}
