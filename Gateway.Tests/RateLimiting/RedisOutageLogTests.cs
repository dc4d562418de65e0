using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>Issue 4: an outage is logged once (and its end once), however many requests fall back meanwhile.</summary>
public sealed class RedisOutageLogTests
{
    [Fact]
    public async Task Outage_LoggedOnce_AndRecoveryOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        var logger = new CountingLogger();
        await using var store = new RedisRateLimitStore(
            Options.Create(new RateLimitOptions { Redis = redis.Url, RedisTimeoutMilliseconds = 1000, RedisKeyPrefix = "log-test:" }), logger);
        await store.StartAsync(CancellationToken.None);
        using var policy = new RatePolicy("global", 100);
        RatePolicy[] policies = [policy];
        var key = ClientKey.ForClient("client");

        Assert.NotNull(await store.DecideAsync(key, policies));

        var down = RedisServer.WaitForStateAsync(store.Connection!, connected: false);
        await redis.StopAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Null(await store.DecideAsync(key, policies));
        }

        await down;
        Assert.Null(await store.DecideAsync(key, policies));
        Assert.Equal(1, logger.Count(3003));

        var up = RedisServer.WaitForStateAsync(store.Connection!, connected: true);
        await redis.StartAgainAsync();
        await up;
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await store.DecideAsync(key, policies));
        }

        Assert.Equal(1, logger.Count(3003));
        Assert.Equal(1, logger.Count(3004));
    }

    private sealed class CountingLogger : ILogger<RedisRateLimitStore>
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _counts = new();

        public int Count(int eventId) => _counts.GetValueOrDefault(eventId);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _counts.AddOrUpdate(eventId.Id, 1, static (_, count) => count + 1);
    }
}
