using System.Diagnostics;
using PyAirtable.Gateway.Caching;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.RateLimiting;
using StackExchange.Redis;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>Issue 23: the Redis tier shared by two gateways (replicas) over a real redis-server, and what happens when it goes away.</summary>
public sealed class SharedCacheTests : IAsyncLifetime
{
    private SharedCacheFixture _f = null!;

    public async Task InitializeAsync() => _f = await SharedCacheFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static Task<(int Status, string CacheStatus, string Body)> GetAsync(
        GatewayHost gateway, string path, string key = CacheFixture.AliceKey, params (string Name, string Value)[] headers) =>
        SharedCacheFixture.GetAsync(gateway, path, key, headers);

    [Fact]
    public async Task StoredByOne_HitOnTheOther()
    {
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        var stored = await GetAsync(_f.First, "/api/airtable/bases?view=grid");
        await written;

        var other = await GetAsync(_f.Second, "/api/airtable/bases?view=grid");
        var again = await GetAsync(_f.Second, "/api/airtable/bases?view=grid");
        var otherQuery = await GetAsync(_f.Second, "/api/airtable/bases?view=list");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", stored.CacheStatus);
        Assert.Equal((200, "PyAirtableGateway; hit", """{"n":1}"""), other);
        Assert.Equal((200, "PyAirtableGateway; hit", """{"n":1}"""), again);
        Assert.Equal("""{"n":2}""", otherQuery.Body);
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task StoredByOne_HitOnAGatewayProcess()
    {
        var settings = GatewayHost.DefaultSettings(_f.Upstream.Url, null, null);
        foreach (var (key, value) in SharedCacheFixture.Settings(_f.Redis.Url, _f.Prefix))
        {
            settings[key] = value;
        }

        await using var process = await GatewayProcess.StartAsync(settings);
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        var stored = await GetAsync(_f.First, "/api/airtable/bases?view=apart");
        await written;

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{process.Port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/airtable/bases?view=apart");
        request.Headers.Add("X-API-Key", CacheFixture.AliceKey);
        using var response = await client.SendAsync(request);

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", stored.CacheStatus);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(response));
        Assert.Equal("""{"n":1}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Vary_SelectsTheVariantAcrossReplicas()
    {
        _f.Headers = [("Cache-Control", "public, max-age=60"), ("Vary", "Accept-Language")];
        var writtenEn = SharedCacheFixture.WrittenAsync(_f.First);
        var en = await GetAsync(_f.First, "/api/airtable/v", headers: ("Accept-Language", "en"));
        await writtenEn;
        var writtenDe = SharedCacheFixture.WrittenAsync(_f.First);
        var de = await GetAsync(_f.First, "/api/airtable/v", headers: ("Accept-Language", "de"));
        await writtenDe;

        var enOther = await GetAsync(_f.Second, "/api/airtable/v", headers: ("Accept-Language", "en"));
        var deOther = await GetAsync(_f.Second, "/api/airtable/v", headers: ("Accept-Language", "de"));
        var frOther = await GetAsync(_f.Second, "/api/airtable/v", headers: ("Accept-Language", "fr"));

        Assert.Equal((200, "PyAirtableGateway; hit", en.Body), enOther);
        Assert.Equal((200, "PyAirtableGateway; hit", de.Body), deOther);
        Assert.NotEqual(en.Body, de.Body);
        Assert.Equal("""{"n":3}""", frOther.Body);
        Assert.Equal(3, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task PrivateEntry_BoundToItsClientAcrossReplicas_NeverServedToAnother()
    {
        _f.Headers = [("Cache-Control", "max-age=60")];
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        var alice = await GetAsync(_f.First, "/api/airtable/mine", CacheFixture.AliceKey);
        await written;

        var bob = await GetAsync(_f.Second, "/api/airtable/mine", CacheFixture.BobKey);
        var aliceOther = await GetAsync(_f.Second, "/api/airtable/mine", CacheFixture.AliceKey);

        Assert.Equal("""{"n":1}""", alice.Body);
        Assert.Equal("""{"n":2}""", bob.Body);
        Assert.DoesNotContain("hit", bob.CacheStatus, StringComparison.Ordinal);
        Assert.Equal((200, "PyAirtableGateway; hit", """{"n":1}"""), aliceOther);
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Attack_ClientsEntryCopiedUnderAnotherClientsKey_NotServed()
    {
        _f.Headers = [("Cache-Control", "max-age=60")];
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        var alice = await GetAsync(_f.First, "/api/airtable/secret", CacheFixture.AliceKey);
        await written;

        // Someone with access to Redis copies Alice's stored response to where Bob's would be, and makes it shared too.
        await using (var redis = await _f.ConnectAsync())
        {
            var database = redis.GetDatabase();
            var fields = await database.HashGetAllAsync(RedisResponseCache.EntryKey(_f.Prefix, "/api/airtable/secret", "", "key:alice"));
            Assert.Single(fields);
            await database.HashSetAsync(RedisResponseCache.EntryKey(_f.Prefix, "/api/airtable/secret", "", "key:bob"), fields);
            await database.HashSetAsync(RedisResponseCache.EntryKey(_f.Prefix, "/api/airtable/secret", "", null), fields);
        }

        var bob = await GetAsync(_f.Second, "/api/airtable/secret", CacheFixture.BobKey);

        Assert.Equal("""{"n":1}""", alice.Body);
        Assert.Equal("""{"n":2}""", bob.Body);
        Assert.DoesNotContain("hit", bob.CacheStatus, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("\u00ca\u0001")]
    public async Task CorruptValueInRedis_Miss(string value)
    {
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        await GetAsync(_f.First, "/api/airtable/corrupt");
        await written;
        await using (var redis = await _f.ConnectAsync())
        {
            var key = RedisResponseCache.EntryKey(_f.Prefix, "/api/airtable/corrupt", "", null);
            var database = redis.GetDatabase();
            var fields = await database.HashGetAllAsync(key);
            Assert.Single(fields);
            await database.HashSetAsync(key, fields[0].Name, value == "garbage" ? (RedisValue)new byte[] { 0xCA, 1, 0xFF, 0xFF, 0xFF, 0x7F, 9, 9 } : value);
        }

        var other = await GetAsync(_f.Second, "/api/airtable/corrupt");

        Assert.Equal((200, "PyAirtableGateway; fwd=uri-miss; stored", """{"n":2}"""), other);
    }

    [Fact]
    public async Task Purge_OnOneReplica_RemovesForTheOther()
    {
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        await GetAsync(_f.First, "/api/airtable/bases/app1/t");
        await written;
        written = SharedCacheFixture.WrittenAsync(_f.First);
        await GetAsync(_f.First, "/api/airtable/bases/app2/t");
        await written;
        Assert.Equal("PyAirtableGateway; hit", (await GetAsync(_f.Second, "/api/airtable/bases/app1/t")).CacheStatus); // now in the second's memory too
        Assert.Equal("PyAirtableGateway; hit", (await GetAsync(_f.Second, "/api/airtable/bases/app2/t")).CacheStatus);

        var applied = SharedCacheFixture.InvalidatedAsync(_f.Second);
        using var purge = await _f.First.SendAsync(HttpMethod.Delete, "/_gateway/cache?prefix=/api/airtable/bases/app1");
        await applied;
        var app1 = await GetAsync(_f.Second, "/api/airtable/bases/app1/t");
        var app2 = await GetAsync(_f.Second, "/api/airtable/bases/app2/t");

        Assert.Equal(System.Net.HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal("""{"removed":1}""", await purge.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", app1.CacheStatus);
        Assert.Equal("PyAirtableGateway; hit", app2.CacheStatus);
        Assert.Equal(3, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task PurgeAll_OnOneReplica_EmptiesRedisAndTheOthersMemory()
    {
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        await GetAsync(_f.First, "/api/airtable/a");
        await written;
        await GetAsync(_f.Second, "/api/airtable/a");

        var applied = SharedCacheFixture.InvalidatedAsync(_f.Second);
        using var purge = await _f.First.SendAsync(HttpMethod.Delete, "/_gateway/cache");
        await applied;

        Assert.Equal(0, SharedCacheFixture.Memory(_f.Second).Count);
        await using var redis = await _f.ConnectAsync();
        var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: _f.Prefix + "*").ToList();
        Assert.Empty(keys);
    }

    [Fact]
    public async Task UnsafeRequest_OnOneReplica_InvalidatesForTheOther()
    {
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        await GetAsync(_f.First, "/api/airtable/records?page=2");
        await written;
        Assert.Equal("PyAirtableGateway; hit", (await GetAsync(_f.Second, "/api/airtable/records?page=2")).CacheStatus);

        var applied = SharedCacheFixture.InvalidatedAsync(_f.Second);
        using (var post = await _f.First.SendAsync(HttpMethod.Post, "/api/airtable/records", json: "{}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, post.StatusCode);
        }

        await applied;
        var after = await GetAsync(_f.Second, "/api/airtable/records?page=2");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", after.CacheStatus);
        Assert.Equal("""{"n":3}""", after.Body);
    }

    [Fact]
    public async Task RedisKilled_ServedFromMemoryAndForwarded_LoggedOnce_ThenSharedAgain()
    {
        var logs = LogCapture.AttachTo(_f.First.App.Services);
        var written = SharedCacheFixture.WrittenAsync(_f.First);
        await GetAsync(_f.First, "/api/airtable/before");
        await written;

        // A slow start may have logged an outage (and its end) already: only what follows the kill counts.
        var down = RedisServer.WaitForStateAsync(SharedCacheFixture.Shared(_f.First).Connection!, connected: false);
        var before = logs.Lines.Count;
        await _f.Redis.StopAsync();
        var clock = Stopwatch.StartNew();
        var fromMemory = await GetAsync(_f.First, "/api/airtable/before");
        var latency = clock.Elapsed;
        await down;
        var statuses = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await GetAsync(_f.First, "/api/airtable/during")).CacheStatus);
        }

        var otherDuring = await GetAsync(_f.Second, "/api/airtable/during");

        Assert.Equal((200, "PyAirtableGateway; hit", """{"n":1}"""), fromMemory);
        Assert.True(latency < TimeSpan.FromSeconds(1), $"the first request during the outage took {latency}");
        Assert.Equal(["PyAirtableGateway; fwd=uri-miss; stored", "PyAirtableGateway; hit", "PyAirtableGateway; hit", "PyAirtableGateway; hit", "PyAirtableGateway; hit"], statuses);
        Assert.Equal((200, "PyAirtableGateway; fwd=uri-miss; stored", """{"n":3}"""), otherDuring);
        Assert.Single(logs.Lines.Skip(before), l => l.EventId == 9011);

        // Redis returns (empty): both replicas reconnect and share again.
        var firstUp = RedisServer.WaitForStateAsync(SharedCacheFixture.Shared(_f.First).Connection!, connected: true);
        var secondUp = RedisServer.WaitForStateAsync(SharedCacheFixture.Shared(_f.Second).Connection!, connected: true);
        await _f.Redis.StartAgainAsync();
        await Task.WhenAll(firstUp, secondUp);
        await logs.WaitForAsync(9012, line => logs.Lines.Skip(before).Contains(line));
        written = SharedCacheFixture.WrittenAsync(_f.First);
        var after = await GetAsync(_f.First, "/api/airtable/after");
        await written;
        var afterOther = await GetAsync(_f.Second, "/api/airtable/after");

        Assert.Equal((200, "PyAirtableGateway; hit", after.Body), afterOther);
        Assert.Single(logs.Lines.Skip(before), l => l.EventId == 9011);
        Assert.Single(logs.Lines.Skip(before), l => l.EventId == 9012);
    }
}
