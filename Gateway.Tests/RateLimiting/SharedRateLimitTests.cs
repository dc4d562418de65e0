using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>Issue 4: limits shared by several gateway instances through a real redis-server, and what happens when it goes away.</summary>
public sealed class SharedRateLimitTests
{
    private static Dictionary<string, string?> Settings(string redisUrl, int perMinute, int chatPerMinute = 0, int timeoutMilliseconds = 1000) => new()
    {
        ["REDIS_URL"] = redisUrl,
        ["RATE_LIMIT_PER_MINUTE"] = perMinute.ToString(CultureInfo.InvariantCulture),
        ["CHAT_RATE_LIMIT_PER_MINUTE"] = chatPerMinute.ToString(CultureInfo.InvariantCulture),
        // A unique prefix per test, so nothing carries over between tests sharing a server by accident.
        ["Gateway:RateLimits:RedisKeyPrefix"] = "test:" + Guid.NewGuid().ToString("N") + ":",

        // Generous on a shared test machine, so a slow call never falls back by accident where fallback is not the subject.
        ["Gateway:RateLimits:RedisTimeoutMilliseconds"] = timeoutMilliseconds.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task<int> StatusAsync(GatewayHost gateway, string path = "/api/tools")
    {
        using var response = await gateway.GetAsync(path);
        return (int)response.StatusCode;
    }

    /// <summary>One GET /api/tools through each gateway in turn, in order; the statuses.</summary>
    private static async Task<int[]> StatusesAsync(params GatewayHost[] sequence)
    {
        var statuses = new int[sequence.Length];
        for (var i = 0; i < sequence.Length; i++)
        {
            statuses[i] = await StatusAsync(sequence[i]);
        }

        return statuses;
    }

    private static void AssertStatuses(int[] expected, int[] actual) => Assert.Equal(expected, actual);

    private static IConnectionMultiplexer Connection(GatewayHost gateway) =>
        gateway.App.Services.GetRequiredService<RedisRateLimitStore>().Connection!;

    /// <summary>A redis-server, one upstream behind every service and two gateways sharing limits through the server.</summary>
    private sealed class TwoGateways : IAsyncDisposable
    {
        private TwoGateways(RedisServer redis, FakeUpstream upstream, GatewayHost first, GatewayHost second)
        {
            Redis = redis;
            Upstream = upstream;
            First = first;
            Second = second;
        }

        public RedisServer Redis { get; }

        public FakeUpstream Upstream { get; }

        public GatewayHost First { get; }

        public GatewayHost Second { get; }

        public static async Task<TwoGateways> StartAsync(int perMinute, int chatPerMinute = 0, int timeoutMilliseconds = 1000)
        {
            var redis = await RedisServer.StartAsync();
            FakeUpstream? upstream = null;
            GatewayHost? first = null;
            try
            {
                upstream = await FakeUpstream.StartAsync();
                var settings = Settings(redis.Url, perMinute, chatPerMinute, timeoutMilliseconds);
                first = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);
                var second = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);
                return new TwoGateways(redis, upstream, first, second);
            }
            catch
            {
                // Nothing may outlive a failed start, least of all the redis-server process.
                if (first is not null)
                {
                    await first.DisposeAsync();
                }

                if (upstream is not null)
                {
                    await upstream.DisposeAsync();
                }

                await redis.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await First.DisposeAsync();
            await Second.DisposeAsync();
            await Upstream.DisposeAsync();
            await Redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoGateways_OneRedis_ShareOneBudget()
    {
        await using var shared = await TwoGateways.StartAsync(perMinute: 6);
        var (first, second, upstream) = (shared.First, shared.Second, shared.Upstream);

        var remaining = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await (i % 2 == 0 ? first : second).GetAsync("/api/tools");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            remaining.Add(response.Headers.GetValues("RateLimit-Remaining").Single());
        }

        using var refusedFirst = await first.GetAsync("/api/tools");
        using var refusedSecond = await second.GetAsync("/api/tools");

        Assert.Equal(["5", "4", "3", "2", "1", "0"], remaining);
        await Problem.AssertAsync(refusedFirst, 429);
        await Problem.AssertAsync(refusedSecond, 429);
        var retryAfter = int.Parse(refusedSecond.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 10);
        Assert.Equal(6, upstream.ContactCount);
    }

    [Fact]
    public async Task ChatAcrossTwoGateways_EleventhCallRefused()
    {
        await using var shared = await TwoGateways.StartAsync(perMinute: 1000, chatPerMinute: 10);
        var (first, second, llm) = (shared.First, shared.Second, shared.Upstream);

        for (var i = 0; i < 10; i++)
        {
            using var accepted = await (i % 2 == 0 ? first : second).SendAsync(HttpMethod.Post, "/api/chat", json: """{"message":"hi"}""");
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("10", accepted.Headers.GetValues("RateLimit-Limit").Single());
        }

        using var refused = await first.SendAsync(HttpMethod.Post, "/api/chat", json: """{"message":"hi"}""");
        using var tools = await first.GetAsync("/api/tools");

        await Problem.AssertAsync(refused, 429);
        Assert.Equal("10", refused.Headers.GetValues("RateLimit-Limit").Single());
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 6);
        Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        Assert.Equal(10, llm.Requests.Count(r => r.Method == "POST"));
    }

    [Fact]
    public async Task RedisStopped_ServedUnderLocalLimits_ThenSharedAgainWhenBack()
    {
        await using var shared = await TwoGateways.StartAsync(perMinute: 4, timeoutMilliseconds: 250);
        var (first, second, redis) = (shared.First, shared.Second, shared.Redis);

        // 1. Shared: four requests over two gateways use the one budget of four.
        AssertStatuses([200, 200, 200, 200, 429], await StatusesAsync(first, second, first, second, first));

        // 2. Redis goes away: each gateway keeps serving at once, under its own local budget of four.
        var firstDown = RedisServer.WaitForStateAsync(Connection(first), connected: false);
        var secondDown = RedisServer.WaitForStateAsync(Connection(second), connected: false);
        await redis.StopAsync();
        var clock = Stopwatch.StartNew();
        var duringOutage = await StatusAsync(first);
        var firstLatency = clock.Elapsed;
        Assert.Equal(200, duringOutage);
        Assert.True(firstLatency < TimeSpan.FromSeconds(1), $"first request during the outage took {firstLatency}");
        AssertStatuses([200, 200, 200, 429], await StatusesAsync(first, first, first, first));
        Assert.Equal(200, await StatusAsync(second));
        await Task.WhenAll(firstDown, secondDown);

        // 3. Redis returns (empty): both gateways reconnect and share one budget again.
        var firstUp = RedisServer.WaitForStateAsync(Connection(first), connected: true);
        var secondUp = RedisServer.WaitForStateAsync(Connection(second), connected: true);
        await redis.StartAgainAsync();
        await Task.WhenAll(firstUp, secondUp);
        AssertStatuses([200, 200, 200, 200, 429, 429], await StatusesAsync(second, first, second, first, second, first));
    }

    [Fact]
    public async Task RedisFrozen_DecisionFallsBackWithinTheTimeout()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        var settings = Settings(redis.Url, perMinute: 100);
        settings["Gateway:RateLimits:RedisTimeoutMilliseconds"] = "50";
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);
        Assert.Equal(200, await StatusAsync(gateway));

        await redis.PauseAsync();
        try
        {
            // Connected but silent: the first request waits the 50 ms decision timeout, the next ones not at all.
            var latencies = new List<TimeSpan>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                Assert.Equal(200, await StatusAsync(gateway));
                latencies.Add(clock.Elapsed);
            }

            Assert.True(latencies.Max() < TimeSpan.FromMilliseconds(750), string.Join(", ", latencies));
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }

    [Fact]
    public async Task RedisUnreachableAtStart_GatewayStartsAndLimitsLocally()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var refusing = new Uri(Ports.RefusingUrl());
        var clock = Stopwatch.StartNew();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            Settings($"redis://127.0.0.1:{refusing.Port}", perMinute: 2));
        var startup = clock.Elapsed;

        Assert.True(startup < TimeSpan.FromSeconds(5), $"start-up took {startup}");
        AssertStatuses([200, 200, 429], await StatusesAsync(gateway, gateway, gateway));
    }
}
