using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Realtime;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.RateLimiting;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>Two gateway replicas on one real <c>redis-server</c>.</summary>
public sealed class RedisHubTests
{
    private static async Task<(RedisServer Redis, GatewayHost A, GatewayHost B)> StartAsync(FakeUpstream? llm = null)
    {
        var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url };
        var a = await GatewayHost.StartAsync(llm: llm, overrides: settings);
        var b = await GatewayHost.StartAsync(llm: llm, overrides: settings);
        return (redis, a, b);
    }

    private static RealtimeHub Hub(GatewayHost gateway) => gateway.App.Services.GetRequiredService<RealtimeHub>();

    private static RedisHubBackplane Backplane(GatewayHost gateway) => gateway.App.Services.GetRequiredService<RedisHubBackplane>();

    /// <summary>Waits until replica <paramref name="publisher"/>'s PUBLISH reaches the session's subscription elsewhere (it is set up asynchronously).</summary>
    private static Task WaitSubscribedAsync(GatewayHost gateway, string sessionId) => WaitSubscribersAsync(gateway, sessionId, subscribed: true);

    /// <summary>Waits until the Redis list <paramref name="key"/> holds <paramref name="length"/> items (asynchronous calls only: a
    /// synchronous one on the replica's multiplexer can wait out its 1 s sync timeout behind the replica's own traffic).</summary>
    private static async Task WaitListLengthAsync(StackExchange.Redis.IConnectionMultiplexer connection, string key, long length)
    {
        var deadline = DateTime.UtcNow + Timeouts.Signal;
        long held;
        while ((held = await connection.GetDatabase().ListLengthAsync(key)) != length)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{key} never held {length} items (last: {held})");
            await Task.Delay(10);
        }
    }

    private static async Task WaitSubscribersAsync(GatewayHost gateway, string sessionId, bool subscribed)
    {
        var connection = Backplane(gateway).Connection!;
        var channel = StackExchange.Redis.RedisChannel.Literal("gateway:ws:s:" + sessionId);
        var deadline = DateTime.UtcNow + Timeouts.Signal;
        while (((long)(await connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel.ToString()))[1] == 0) == subscribed)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the session's channel never became subscribed={subscribed}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task ChatStreamedThroughReplicaA_ReachesSocketOnReplicaB_InOrder()
    {
        var objects = Enumerable.Range(0, 50).Select(i => $$"""{"delta":"{{i}} ","token_count":{{i}},"is_complete":{{(i == 49 ? "true" : "false")}}}""").ToArray();
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, string.Join("\n", objects) + "\n", "application/x-ndjson"));
        var (redis, a, b) = await StartAsync(llm);
        await using var _ = redis;
        await using var ownedA = a;
        await using var ownedB = b;
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(b, "shared");
        await using var owned = client;
        await WaitSubscribedAsync(b, "shared");

        using var response = await a.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"shared","stream":true}""");
        var deltas = new List<string>();
        for (var i = 0; i < objects.Length; i++)
        {
            var message = await client.ReceiveAsync();
            Assert.Equal("chat_stream", message.GetProperty("type").GetString());
            deltas.Add(message.GetProperty("data").GetProperty("delta").GetString()!);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{i} "), deltas);
        Assert.Equal(0, Hub(a).Sessions.SessionCount);
    }

    [Fact]
    public async Task ChatStreamedThroughReplicaA_ReachesSocketOnAGatewayProcess_InOrder()
    {
        var objects = Enumerable.Range(0, 30).Select(i => $$"""{"delta":"{{i}} ","token_count":{{i}},"is_complete":{{(i == 29 ? "true" : "false")}}}""").ToArray();
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, string.Join("\n", objects) + "\n", "application/x-ndjson"));
        var (redis, a, b) = await StartAsync(llm);
        await using var _ = redis;
        await using var ownedA = a;
        await b.DisposeAsync(); // replica B is a process of its own here
        var settings = GatewayHost.DefaultSettings(null, llm.Url, null);
        settings["REDIS_URL"] = redis.Url;
        await using var process = await GatewayProcess.StartAsync(settings);

        var (client, _) = await HubClient.ConnectAuthenticatedAsync(process.Port, "apart");
        await using var owned = client;
        await WaitSubscribedAsync(a, "apart"); // any connection sees the process's subscription
        using var response = await a.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"apart","stream":true}""");
        var deltas = new List<string>();
        for (var i = 0; i < objects.Length; i++)
        {
            deltas.Add((await client.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString()!);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"{i} "), deltas);
    }

    [Fact]
    public async Task OfflineQueue_SharedAcrossReplicas_DeliveredInOrderAfterReconnect()
    {
        var (redis, a, b) = await StartAsync();
        await using var _ = redis;
        await using var ownedA = a;
        await using var ownedB = b;
        var (first, _) = await HubClient.ConnectAuthenticatedAsync(b, "away");
        await WaitSubscribedAsync(b, "away"); // else the unsubscribed state below could be the one before B subscribed
        await first.DisposeAsync();
        await HubTests.WaitUntilAsync(() => !Hub(b).Sessions.Has("away"), TimeSpan.FromSeconds(5));
        await WaitSubscribersAsync(b, "away", subscribed: false);

        for (var i = 0; i < 10; i++)
        {
            Hub(a).Publish("away", "chat_stream", Encoding.UTF8.GetBytes($$"""{"delta":"{{i}}"}"""));
        }

        // Published through A's backplane loop: wait until the list holds them all.
        var connection = Backplane(a).Connection!;
        await WaitListLengthAsync(connection, "gateway:ws:q:away", 10);
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(b, "away");
        await using var owned = client;
        var deltas = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            deltas.Add((await client.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString()!);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), deltas);
        Assert.Equal(0, await connection.GetDatabase().ListLengthAsync("gateway:ws:q:away"));
    }

    [Fact]
    public async Task RedisOutage_LocalDeliveryGoesOn_CrossReplicaRecoversByItself()
    {
        var (redis, a, b) = await StartAsync();
        await using var _ = redis;
        await using var ownedA = a;
        await using var ownedB = b;
        var (onA, _) = await HubClient.ConnectAuthenticatedAsync(a, "s");
        await using var ownedOnA = onA;

        var down = RedisServer.WaitForStateAsync(Backplane(a).Connection!, connected: false);
        await redis.StopAsync();
        await down;
        Hub(a).Publish("s", "chat_stream", """{"delta":"local"}"""u8);
        Assert.Equal("local", (await onA.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString());

        var upA = RedisServer.WaitForStateAsync(Backplane(a).Connection!, connected: true);
        var upB = RedisServer.WaitForStateAsync(Backplane(b).Connection!, connected: true);
        await redis.StartAgainAsync();
        await upA;
        await upB;
        await WaitSubscribedAsync(b, "s");
        Hub(b).Publish("s", "chat_stream", """{"delta":"from b"}"""u8);

        Assert.Equal("from b", (await onA.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString());
    }
}
