using System.Diagnostics;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Security;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>Issue 23: a gateway whose Redis cannot be reached starts anyway and caches in memory.</summary>
public sealed class SharedCacheStartupTests
{
    [Fact]
    public async Task RedisUnreachableAtStart_GatewayStartsAndCachesInMemory()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = FakeUpstream.Respond(200, "{}", "application/json", ("Cache-Control", "public, max-age=60"));
        var refusing = new Uri(Ports.RefusingUrl());
        var settings = SharedCacheFixture.Settings($"redis://127.0.0.1:{refusing.Port}", "test:");
        settings["Gateway:Cache:RedisTimeoutMilliseconds"] = "100";
        var clock = Stopwatch.StartNew();
        await using var gateway = await GatewayHost.StartAsync(airtable: upstream, overrides: settings);
        var startup = clock.Elapsed;

        clock.Restart();
        var first = await SharedCacheFixture.GetAsync(gateway, "/api/airtable/x");
        var second = await SharedCacheFixture.GetAsync(gateway, "/api/airtable/x");
        var requests = clock.Elapsed;

        Assert.True(startup < TimeSpan.FromSeconds(5), $"start-up took {startup}");
        Assert.True(requests < TimeSpan.FromSeconds(1), $"two requests took {requests}");
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", first.CacheStatus);
        Assert.Equal("PyAirtableGateway; hit", second.CacheStatus);
        Assert.Equal(1, upstream.ContactCount);
    }

    [Theory]
    [InlineData("Gateway:Cache:RedisTimeoutMilliseconds", "0", "RedisTimeoutMilliseconds")]
    [InlineData("Gateway:Cache:RedisKeyPrefix", "a{b}", "RedisKeyPrefix")]
    [InlineData("Gateway:Cache:RedisKeyPrefix", "pre*", "RedisKeyPrefix")]
    public async Task Start_BadRedisCacheSetting_RefusedNamingIt(string key, string value, string expected)
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

/// <summary>Issue 23: gateways that started while Redis was down share their cache (and invalidations) once it is up.</summary>
public sealed class SharedCacheLateRedisTests
{
    [Fact]
    public async Task RedisDownAtStart_ThenUp_SharedAndInvalidationsReachTheOther()
    {
        await using var f = await SharedCacheFixture.StartAsync(redisDownAtStart: true);
        var early = await SharedCacheFixture.GetAsync(f.First, "/api/airtable/late");

        await f.Redis.StartAgainAsync();
        await f.WaitSharedAsync();
        var written = SharedCacheFixture.WrittenAsync(f.First);
        var stored = await SharedCacheFixture.GetAsync(f.First, "/api/airtable/late?after=1");
        await written;
        var other = await SharedCacheFixture.GetAsync(f.Second, "/api/airtable/late?after=1");
        var applied = SharedCacheFixture.InvalidatedAsync(f.Second);
        using (var post = await f.First.SendAsync(HttpMethod.Post, "/api/airtable/late", json: "{}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, post.StatusCode);
        }

        await applied;
        var afterWrite = await SharedCacheFixture.GetAsync(f.Second, "/api/airtable/late?after=1");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", early.CacheStatus);
        Assert.Equal((200, "PyAirtableGateway; hit", stored.Body), other);
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", afterWrite.CacheStatus);
    }
}
