using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Realtime;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>The <c>/ws</c> hub over real sockets: handshake refusals, authentication, messages, limits and close codes.</summary>
public sealed class HubTests
{
    private static Task<GatewayHost> StartAsync(params (string Key, string Value)[] settings) =>
        GatewayHost.StartAsync(overrides: settings.ToDictionary(s => s.Key, s => (string?)s.Value));

    private static RealtimeHub Hub(GatewayHost gateway) => gateway.App.Services.GetRequiredService<RealtimeHub>();

    private static async Task<HttpResponseMessage> HandshakeAsync(GatewayHost gateway, string pathAndQuery, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await gateway.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task Handshake_WithoutSessionId_Refused400ProblemJson()
    {
        await using var gateway = await StartAsync();

        using var response = await HandshakeAsync(gateway, "/ws");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var socket = new ClientWebSocket();
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(HubClient.Address(gateway, null), CancellationToken.None).WithTimeout());
        Assert.Contains("400", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a/b")]
    public async Task Handshake_UnusableSessionId_Refused400(string session)
    {
        await using var gateway = await StartAsync();

        using var response = await HandshakeAsync(gateway, "/ws?session_id=" + Uri.EscapeDataString(session));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Handshake_PlainGetWithoutUpgrade_Refused400()
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.GetAsync("/ws?session_id=s1", withKey: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Handshake_OriginNotAllowed_Refused403()
    {
        await using var gateway = await StartAsync();

        using var response = await HandshakeAsync(gateway, "/ws?session_id=s1", origin: "http://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Handshake_AllowedOrigin_Upgrades()
    {
        await using var gateway = await StartAsync();

        await using var client = await HubClient.ConnectAsync(gateway, "s1", o => o.SetRequestHeader("Origin", "http://localhost:3000"));

        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task AuthMessage_ValidKey_SystemStatusThenPong()
    {
        await using var gateway = await StartAsync();
        var (client, status) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        await client.SendAsync("""{"type":"ping"}""");
        var pong = await client.ReceiveAsync();

        Assert.Equal("s1", status.GetProperty("session_id").GetString());
        Assert.True(status.GetProperty("data").TryGetProperty("overall_status", out _));
        Assert.True(status.GetProperty("data").TryGetProperty("services", out _));
        Assert.Equal("pong", pong.GetProperty("type").GetString());
        Assert.Equal("s1", pong.GetProperty("session_id").GetString());
        Assert.True(DateTimeOffset.TryParse(pong.GetProperty("timestamp").GetString(), out _));
        Assert.EndsWith("Z", pong.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, pong.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task Handshake_KeyHeader_AuthenticatesWithoutMessage()
    {
        await using var gateway = await StartAsync();

        await using var client = await HubClient.ConnectAsync(gateway, "s1", o => o.SetRequestHeader("X-API-Key", GatewayHost.ApiKey));
        var status = await client.ReceiveAsync(includeStatus: true);

        Assert.Equal("system_status", status.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Handshake_BadKeyHeader_ErrorThenClose1008AuthenticationFailed()
    {
        await using var gateway = await StartAsync();

        await using var client = await HubClient.ConnectAsync(gateway, "s1", o => o.SetRequestHeader("X-API-Key", "wrong"));
        var (status, reason, before) = await client.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("Authentication failed", reason);
        Assert.Equal("error", Assert.Single(before).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"type":"auth","api_key":"wrong"}""", "Authentication failed")]
    [InlineData("""{"type":"auth"}""", "Authentication failed")]
    [InlineData("""{"type":"auth","token":"not-a-jwt"}""", "Authentication failed")]
    [InlineData("""{"type":"ping"}""", "Authentication required")]
    [InlineData("""not json""", "Authentication required")]
    public async Task FirstMessage_NotAValidAuth_ErrorThenClose1008(string first, string expectedReason)
    {
        await using var gateway = await StartAsync();
        await using var client = await HubClient.ConnectAsync(gateway, "s1");

        await client.SendAsync(first);
        var (status, reason, before) = await client.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal(expectedReason, reason);
        var error = Assert.Single(before);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("data").GetProperty("error_code").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("data").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task NoAuthInTime_ErrorThenClose1008AuthenticationTimeout()
    {
        await using var gateway = await StartAsync(("Gateway:Realtime:AuthTimeoutSeconds", "0.3"));
        await using var client = await HubClient.ConnectAsync(gateway, "s1");

        var (status, reason, before) = await client.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("Authentication timeout", reason);
        Assert.Equal("auth_timeout", Assert.Single(before).GetProperty("data").GetProperty("error_code").GetString());
        using var stats = await StatsAsync(gateway);
        Assert.Equal(1, stats.RootElement.GetProperty("authentication_failures").GetInt64());
    }

    [Fact]
    public async Task SixthConnection_Closed1008ConnectionLimitExceeded_OthersStayOpen()
    {
        await using var gateway = await StartAsync();
        var open = new List<HubClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add((await HubClient.ConnectAuthenticatedAsync(gateway, "busy")).Client);
            }

            await using var sixth = await HubClient.ConnectAsync(gateway, "busy");
            await sixth.SendAsync($$"""{"type":"auth","api_key":"{{GatewayHost.ApiKey}}"}""");
            var (status, reason, _) = await sixth.ReceiveCloseAsync();

            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Equal("Connection limit exceeded", reason);
            await open[0].SendAsync("""{"type":"ping"}""");
            Assert.Equal("pong", (await open[0].ReceiveAsync()).GetProperty("type").GetString());

            // Another session is not affected.
            var (other, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "other");
            await other.DisposeAsync();
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MessagesOverPerMinuteLimit_ErrorRateLimited_ConnectionStaysOpen()
    {
        await using var gateway = await StartAsync(("Gateway:Realtime:MessagesPerMinute", "3"));
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        await client.SendAsync("""{"type":"ping"}""");
        await client.SendAsync("""{"type":"ping"}""");
        await client.SendAsync("""{"type":"ping"}""");
        var replies = new List<JsonElement> { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() };

        Assert.Equal("pong", replies[0].GetProperty("type").GetString()); // the auth message counted as the first
        Assert.Equal("pong", replies[1].GetProperty("type").GetString());
        Assert.Equal("rate_limited", replies[2].GetProperty("data").GetProperty("error_code").GetString());
        Assert.Equal(WebSocketState.Open, client.Socket.State);
        using var stats = await StatsAsync(gateway);
        Assert.Equal(1, stats.RootElement.GetProperty("rate_limit_violations").GetInt64());
    }

    [Fact]
    public async Task UnknownTypeAndInvalidJson_Errors_ConnectionStaysOpen()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        await client.SendAsync("""{"type":"dance"}""");
        var unknown = await client.ReceiveAsync();
        await client.SendAsync("""{"type":"ping""");
        var invalid = await client.ReceiveAsync();
        await client.SendAsync("""[1,2]""");
        var notObject = await client.ReceiveAsync();
        await client.SendAsync("""{"type":"ping"}""");
        var pong = await client.ReceiveAsync();

        Assert.Equal("unknown_message_type", unknown.GetProperty("data").GetProperty("error_code").GetString());
        Assert.Equal("invalid_json", invalid.GetProperty("data").GetProperty("error_code").GetString());
        Assert.Equal("unknown_message_type", notObject.GetProperty("data").GetProperty("error_code").GetString());
        Assert.Equal("pong", pong.GetProperty("type").GetString());
    }

    [Fact]
    public async Task BinaryFrame_ReadAsJson_Pong()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        await client.SendAsync("""{"type":"ping"}""", WebSocketMessageType.Binary);

        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task FragmentedOneMebibyteMessage_OverLimit_Closed1009()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        var send = client.SendFragmentedAsync(PaddedPing(1024 * 1024), 16 * 1024);
        var (status, reason, before) = await client.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Equal("Message too big", reason);
        Assert.Equal("message_too_large", Assert.Single(before).GetProperty("data").GetProperty("error_code").GetString());
        try
        {
            await send;
        }
        catch (WebSocketException)
        {
            // the server may close before every frame is sent
        }
    }

    [Fact]
    public async Task FragmentedOneMebibyteMessage_WithinConfiguredLimit_Answered()
    {
        await using var gateway = await StartAsync(("Gateway:Realtime:MaxMessageBytes", (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        await client.SendFragmentedAsync(PaddedPing(1024 * 1024), 16 * 1024);

        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Subscribe_NarrowsTypes_UnsubscribeRemoves()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;
        var hub = Hub(gateway);

        await client.SendAsync("""{"type":"subscribe","types":["tool_progress"]}""");
        await client.SendAsync("""{"type":"ping"}""");
        await client.ReceiveAsync(); // pong: the subscription is in force
        hub.Publish("s1", "chat_stream", """{"delta":"skipped"}"""u8);
        hub.Publish("s1", "tool_progress", """{"status":"running"}"""u8);
        var first = await client.ReceiveAsync();

        await client.SendAsync("""{"type":"subscribe","types":["chat_stream"]}""");
        await client.SendAsync("""{"type":"unsubscribe","types":["tool_progress"]}""");
        await client.SendAsync("""{"type":"ping"}""");
        await client.ReceiveAsync();
        hub.Publish("s1", "tool_progress", """{"status":"skipped"}"""u8);
        hub.Publish("s1", "chat_stream", """{"delta":"kept"}"""u8);
        var second = await client.ReceiveAsync();

        Assert.Equal("tool_progress", first.GetProperty("type").GetString());
        Assert.Equal("running", first.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("chat_stream", second.GetProperty("type").GetString());
        Assert.Equal("kept", second.GetProperty("data").GetProperty("delta").GetString());
    }

    [Fact]
    public async Task Publish_OtherSession_NotReceived()
    {
        await using var gateway = await StartAsync();
        var (a, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "a");
        await using var owned = a;

        Hub(gateway).Publish("b", "chat_stream", """{"delta":"for b"}"""u8);
        Hub(gateway).Publish("a", "chat_stream", """{"delta":"for a"}"""u8);

        Assert.Equal("for a", (await a.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString());
    }

    [Fact]
    public async Task OfflineQueue_DeliveredInOrderAfterAuth_AfterSystemStatus()
    {
        await using var gateway = await StartAsync();
        var hub = Hub(gateway);
        for (var i = 0; i < 20; i++)
        {
            hub.Publish("later", "chat_stream", Encoding.UTF8.GetBytes($$"""{"delta":"{{i}}"}"""));
        }

        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "later");
        await using var owned = client;
        var deltas = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            deltas.Add((await client.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString()!);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), deltas);
    }

    [Fact]
    public async Task OfflineQueue_BoundedByLength_OldestDropped()
    {
        await using var gateway = await StartAsync(("Gateway:Realtime:OfflineQueueLength", "3"));
        var hub = Hub(gateway);
        for (var i = 0; i < 5; i++)
        {
            hub.Publish("later", "chat_stream", Encoding.UTF8.GetBytes($$"""{"delta":"{{i}}"}"""));
        }

        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "later");
        await using var owned = client;
        var deltas = new[] { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() }
            .Select(m => m.GetProperty("data").GetProperty("delta").GetString()).ToArray();
        await client.SendAsync("""{"type":"ping"}""");

        Assert.Equal("2,3,4", string.Join(",", deltas));
        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task ClientThatDoesNotRead_SendQueueOverflow_Closed1008_OthersAndPublisherUnaffected()
    {
        await using var gateway = await StartAsync(("Gateway:Realtime:SendQueueLength", "8"));
        var hub = Hub(gateway);
        var (slow, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "slow");
        await using var ownedSlow = slow;
        var (fast, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "fast");
        await using var ownedFast = fast;
        var big = Encoding.UTF8.GetBytes("{\"delta\":\"" + new string('x', 60_000) + "\"}");

        // The slow client reads nothing: the socket buffers fill, then its queue; publishing never waits.
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 400 && slow.Socket.State == WebSocketState.Open && !Overflowed(gateway); i++)
        {
            hub.Publish("slow", "chat_stream", big);
        }

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"publishing took {started.Elapsed}");
        hub.Publish("fast", "chat_stream", """{"delta":"on time"}"""u8);
        Assert.Equal("on time", (await fast.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString());

        // Once the slow client reads, it finds the connection closed by the gateway (a close frame 1008, or an abort when none fitted).
        WebSocketCloseStatus? status = null;
        try
        {
            (status, _, _) = await slow.ReceiveCloseAsync();
        }
        catch (WebSocketException)
        {
        }

        Assert.True(status is null or WebSocketCloseStatus.PolicyViolation, $"closed with {status}");
        Assert.True(Overflowed(gateway));
    }

    private static bool Overflowed(GatewayHost gateway) =>
        gateway.App.Services.GetRequiredService<RealtimeStats>().SendQueueOverflows > 0;

    [Fact]
    public async Task ClientCloses_ServerAnswersClose_ConnectionCounted()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");

        await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WithTimeout();

        Assert.Equal(WebSocketState.Closed, client.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
        await WaitUntilAsync(() => Hub(gateway).Open.Count == 0, TimeSpan.FromSeconds(1));
        client.Socket.Dispose();
    }

    [Fact]
    public async Task ClientAborts_ServerNoticesWithinOneSecond()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");

        client.Socket.Abort();

        await WaitUntilAsync(() => Hub(gateway).Open.Count == 0 && !Hub(gateway).Sessions.Has("s1"), TimeSpan.FromSeconds(1));
        client.Socket.Dispose();
    }

    [Fact]
    public async Task ServerAborts_ClientNoticesWithinOneSecond()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        var receive = client.ReceiveRawAsync(TimeSpan.FromSeconds(1));
        Hub(gateway).Open.Single().Socket.Abort();

        var failure = await Record.ExceptionAsync(() => receive);
        Assert.IsType<WebSocketException>(failure);
    }

    [Fact]
    public async Task IdleConnection_ClosedAfterIdleTimeout()
    {
        await using var gateway = await StartAsync(("Gateway:Realtime:IdleTimeoutSeconds", "0.5"));
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        var (status, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Equal("Idle timeout", reason);
    }

    [Fact]
    public async Task Stats_RequiresAuthentication_ContractFields()
    {
        await using var gateway = await StartAsync();
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        using var anonymous = await gateway.GetAsync("/api/websocket/stats", withKey: false);
        using var stats = await StatsAsync(gateway);
        using var health = await gateway.GetAsync("/api/health", withKey: false);
        using var healthJson = JsonDocument.Parse(await health.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var root = stats.RootElement;
        foreach (var field in new[] { "total_connections", "active_connections", "active_sessions", "messages_sent", "messages_queued", "rate_limit_violations", "authentication_failures" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(field).ValueKind);
        }

        Assert.Equal(1, root.GetProperty("active_connections").GetInt64());
        Assert.Equal(1, root.GetProperty("active_sessions").GetInt64());
        Assert.True(root.GetProperty("messages_sent").GetInt64() >= 1);
        Assert.Equal(1, healthJson.RootElement.GetProperty("websocket_stats").GetProperty("active_connections").GetInt64());
    }

    internal static async Task<JsonDocument> StatsAsync(GatewayHost gateway)
    {
        using var response = await gateway.GetAsync("/api/websocket/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    internal static byte[] PaddedPing(int size)
    {
        var head = "{\"type\":\"ping\",\"pad\":\""u8.ToArray();
        var json = new byte[size];
        head.CopyTo(json, 0);
        json.AsSpan(head.Length, size - head.Length - 2).Fill((byte)'x');
        json[^2] = (byte)'"';
        json[^1] = (byte)'}';
        return json;
    }

    /// <summary>Polls a condition the gateway offers no signal for, failing after <paramref name="within"/>.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {within}");
            await Task.Delay(10);
        }
    }
}
