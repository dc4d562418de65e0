using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Caching;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.RateLimiting;
using StackExchange.Redis;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>
/// A private redis-server, one counting fake Airtable service and two gateways (replicas) caching the <c>airtable</c>
/// route through that Redis; the service answers with the number of requests it has seen, so a test can tell whose
/// response a client got. Two clients with their own keys, as in <see cref="CacheFixture"/>.
/// </summary>
internal sealed class SharedCacheFixture : IAsyncDisposable
{
    private int _served;

    private SharedCacheFixture(RedisServer redis, FakeUpstream upstream, GatewayHost first, GatewayHost second, string prefix)
    {
        Redis = redis;
        Upstream = upstream;
        First = first;
        Second = second;
        Prefix = prefix;
    }

    public RedisServer Redis { get; }

    public FakeUpstream Upstream { get; }

    public GatewayHost First { get; }

    public GatewayHost Second { get; }

    /// <summary>The cache's key prefix in Redis (unique per fixture).</summary>
    public string Prefix { get; }

    /// <summary>The service's <c>Cache-Control</c> (and further headers) for its next answers.</summary>
    public (string Name, string Value)[] Headers { get; set; } = [("Cache-Control", "public, max-age=60")];

    public static Dictionary<string, string?> Settings(string redisUrl, string prefix) => new()
    {
        ["REDIS_URL"] = redisUrl,
        ["Gateway:Routes:airtable:Cache:Enabled"] = "true",
        ["Gateway:Cache:RedisKeyPrefix"] = prefix,

        // Generous on a shared test machine: a slow lookup must not fall back by accident where fallback is not the subject.
        ["Gateway:Cache:RedisTimeoutMilliseconds"] = "2000",
        ["Gateway:Auth:Keys:0:Name"] = "alice",
        ["Gateway:Auth:Keys:0:Key"] = CacheFixture.AliceKey,
        ["Gateway:Auth:Keys:1:Name"] = "bob",
        ["Gateway:Auth:Keys:1:Key"] = CacheFixture.BobKey,
        ["Logging:LogLevel:PyAirtable.Gateway.Caching"] = "Information",
    };

    /// <summary>Starts the fixture; with <paramref name="redisDownAtStart"/> the gateways start while the redis-server is stopped (<see cref="RedisServer.StartAgainAsync"/> brings it up).</summary>
    public static async Task<SharedCacheFixture> StartAsync(bool redisDownAtStart = false)
    {
        var redis = await RedisServer.StartAsync();
        if (redisDownAtStart)
        {
            await redis.StopAsync();
        }

        FakeUpstream? upstream = null;
        GatewayHost? first = null;
        try
        {
            upstream = await FakeUpstream.StartAsync();
            var prefix = "test:" + Guid.NewGuid().ToString("N")[..8] + ":";
            var settings = Settings(redis.Url, prefix);
            first = await GatewayHost.StartAsync(airtable: upstream, overrides: settings);
            var second = await GatewayHost.StartAsync(airtable: upstream, overrides: settings);
            var fixture = new SharedCacheFixture(redis, upstream, first, second, prefix);
            upstream.Handler = fixture.AnswerAsync;
            return fixture;
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

    private Task AnswerAsync(HttpContext context, RecordedRequest request)
    {
        var n = Interlocked.Increment(ref _served);
        return FakeUpstream.WriteAsync(context, 200, Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""), "application/json", Headers);
    }

    public static RedisResponseCache Shared(GatewayHost gateway) => gateway.App.Services.GetRequiredService<RedisResponseCache>();

    public static MemoryResponseCache Memory(GatewayHost gateway) => gateway.App.Services.GetRequiredService<MemoryResponseCache>();

    /// <summary>Completes when <paramref name="gateway"/> has written its next entry to Redis (subscribe before the request).</summary>
    public static Task WrittenAsync(GatewayHost gateway)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = Shared(gateway);
        void OnWritten(CachedResponse entry)
        {
            shared.Written -= OnWritten;
            written.TrySetResult();
        }

        shared.Written += OnWritten;
        return written.Task.WithTimeout();
    }

    /// <summary>Completes when <paramref name="gateway"/> has applied another replica's next invalidation (subscribe before causing it).</summary>
    public static Task InvalidatedAsync(GatewayHost gateway)
    {
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = Shared(gateway);
        void OnApplied()
        {
            shared.InvalidationApplied -= OnApplied;
            applied.TrySetResult();
        }

        shared.InvalidationApplied += OnApplied;
        return applied.Task.WithTimeout();
    }

    /// <summary>GET <paramref name="path"/> through <paramref name="gateway"/> as the client with <paramref name="key"/>; status line, <c>Cache-Status</c> and body.</summary>
    public static async Task<(int Status, string CacheStatus, string Body)> GetAsync(
        GatewayHost gateway, string path, string key = CacheFixture.AliceKey, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-API-Key", key);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await gateway.SendAsync(request);
        return ((int)response.StatusCode, CacheFixture.Status(response), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until both gateways are connected to Redis and subscribed to the invalidation channel.</summary>
    public async Task WaitSharedAsync()
    {
        await Task.WhenAll(
            RedisServer.WaitForStateAsync(Shared(First).Connection!, connected: true),
            RedisServer.WaitForStateAsync(Shared(Second).Connection!, connected: true));
        await using var redis = await ConnectAsync();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var channel = RedisChannel.Literal(Prefix + "invalidate");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // No event tells a test that a subscription is in place on the server; the server itself is asked.
        while (await server.SubscriptionSubscriberCountAsync(channel) < 2)
        {
            Assert.True(clock.Elapsed < Timeouts.Signal, "the gateways did not subscribe to the invalidation channel");
            await Task.Delay(20);
        }
    }

    /// <summary>A connection of the test's own to the fixture's Redis.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Redis.Port}");

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Upstream.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
