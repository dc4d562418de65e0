using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Tunnel;

/// <summary>WebSocket pass-through with real <see cref="ClientWebSocket"/>s and a real WebSocket service, over real sockets.</summary>
public sealed class WebSocketTunnelTests
{
    [Fact]
    public async Task Tunnel_TextMessage_EchoedThroughTheService()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);

        using var socket = await TunnelGateway.ConnectAsync(gateway, "/ws/chat?room=1");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        var handshake = await upstream.NextHandshakeAsync();
        Assert.Equal("/up/chat?room=1", handshake["X-Test-Path"].ToString());
        Assert.Equal(GatewayHost.ApiKey, handshake["X-API-Key"].ToString()); // the gateway's service key, as on every forwarded request
        Assert.Equal("127.0.0.1", handshake["X-Forwarded-For"].ToString());

        await socket.SendAsync(Encoding.UTF8.GetBytes("héllo"), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, data, _) = await TunnelGateway.ReceiveAsync(socket);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("héllo", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task Tunnel_BinaryMessage_EchoedByteForByte()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        using var socket = await TunnelGateway.ConnectAsync(gateway);
        var payload = new byte[300];
        Random.Shared.NextBytes(payload);

        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, data, _) = await TunnelGateway.ReceiveAsync(socket);

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(payload, data);
    }

    [Fact]
    public async Task Tunnel_FragmentedOneMebibyteMessage_ArrivesWhole()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        using var socket = await TunnelGateway.ConnectAsync(gateway);
        var payload = new byte[1024 * 1024];
        Random.Shared.NextBytes(payload);

        const int Fragment = 40_000;
        for (var offset = 0; offset < payload.Length; offset += Fragment)
        {
            var length = Math.Min(Fragment, payload.Length - offset);
            await socket.SendAsync(payload.AsMemory(offset, length), WebSocketMessageType.Binary, offset + length == payload.Length, CancellationToken.None).AsTask().WithTimeout();
        }

        var (type, data, _) = await TunnelGateway.ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(payload.Length, data.Length);
        Assert.True(payload.AsSpan().SequenceEqual(data));
    }

    [Fact]
    public async Task Tunnel_ClientCloses_CodeAndReasonReachTheServiceAndComeBack()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        using var socket = await TunnelGateway.ConnectAsync(gateway);

        await socket.CloseAsync((WebSocketCloseStatus)4001, "client leaving", CancellationToken.None).WithTimeout();

        var (status, reason) = await upstream.NextCloseAsync();
        Assert.Equal((WebSocketCloseStatus)4001, status);
        Assert.Equal("client leaving", reason);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal((WebSocketCloseStatus)4001, socket.CloseStatus);
    }

    [Fact]
    public async Task Tunnel_ServiceCloses_ClientSeesCodeAndReason()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        using var socket = await TunnelGateway.ConnectAsync(gateway);

        await socket.SendAsync("close:4002:service done"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, _, last) = await TunnelGateway.ReceiveAsync(socket);

        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal((WebSocketCloseStatus)4002, last.CloseStatus);
        Assert.Equal("service done", last.CloseStatusDescription);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WithTimeout();
    }

    [Fact]
    public async Task Tunnel_ClientAborts_ServiceSeesItWithinOneSecond()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        var socket = await TunnelGateway.ConnectAsync(gateway);
        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await TunnelGateway.ReceiveAsync(socket);

        socket.Abort();
        socket.Dispose();

        await upstream.NextVanishedAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Tunnel_ServiceAborts_ClientSeesItWithinOneSecond()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        using var socket = await TunnelGateway.ConnectAsync(gateway);

        await socket.SendAsync("abort"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var started = Stopwatch.GetTimestamp();

        await Assert.ThrowsAsync<WebSocketException>(() => TunnelGateway.ReceiveAsync(socket, TimeSpan.FromSeconds(1)));
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Tunnel_NothingMovesForTheIdleTimeout_BothSidesClosed()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url, new Dictionary<string, string?> { ["Gateway:Tunnel:IdleTimeoutSeconds"] = "0.5" });
        // Timed from before the handshake: the gateway's idle timer starts when the tunnel opens, which this side only
        // learns once its connect call returns (on a busy machine a tenth of a second or more later).
        var started = Stopwatch.GetTimestamp();
        using var socket = await TunnelGateway.ConnectAsync(gateway);

        await Assert.ThrowsAsync<WebSocketException>(() => TunnelGateway.ReceiveAsync(socket, TimeSpan.FromSeconds(5)));
        await upstream.NextVanishedAsync(TimeSpan.FromSeconds(5));
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromSeconds(0.4));
    }

    [Fact]
    public async Task Tunnel_TrafficKeepsItOpenPastTheIdleTimeout()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url, new Dictionary<string, string?> { ["Gateway:Tunnel:IdleTimeoutSeconds"] = "0.6" });
        using var socket = await TunnelGateway.ConnectAsync(gateway);

        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
        while (Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(200); // slower than nothing, quicker than the idle timeout: the pacing under test
            await socket.SendAsync("tick"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            var (_, data, _) = await TunnelGateway.ReceiveAsync(socket);
            Assert.Equal("tick", Encoding.UTF8.GetString(data));
        }

        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    public async Task Tunnel_ServiceAnswersWithoutUpgrading_OrdinaryResponseNothingTunnelled(int status)
    {
        await using var service = await FakeUpstream.StartAsync(FakeUpstream.Respond(status, """{"plain":true}"""));
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(TunnelGateway.Handshake("/ws/x"));
        var response = await connection.ReadResponseAsync();

        Assert.Equal(status, response.Status);
        Assert.Equal("""{"plain":true}""", response.BodyText);
        Assert.False(response.HasHeader("Upgrade"));
        var received = Assert.Single(service.Requests);
        Assert.Equal("websocket", received.Header("Upgrade"));
        Assert.Equal("/up/x", received.RawTarget);
    }

    [Fact]
    public async Task Tunnel_ServiceAnswersTheWrongAccept_502AndNothingTunnelled()
    {
        using var service = new RawUpstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBhY2NlcHQ=\r\n\r\n");
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port, TunnelGateway.Handshake("/ws/x"));

        Assert.Equal(502, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.False(response.HasHeader("Upgrade"));
        Assert.Contains("Sec-WebSocket-Accept", response.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tunnel_ServiceAnswersTheRightAccept_RawBytesPassBothWays()
    {
        // The accept for the sample key of RFC 6455 §1.3.
        using var service = new RawUpstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nhello-from-service");
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(TunnelGateway.Handshake("/ws/x"));
        var received = Encoding.UTF8.GetString(await connection.ReadUntilAsync("hello-from-service"));

        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", received, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", received, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Upgrade: websocket\r\n", received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Upgrade_OnARouteWithoutTheWebSocketPolicy_Refused400NothingSent()
    {
        await using var service = await FakeUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port, TunnelGateway.Handshake("/plain/x"));

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.Equal(0, service.ContactCount);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-API-Key", GatewayHost.ApiKey);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/plain/x"), CancellationToken.None).WithTimeout());
        Assert.Equal(0, service.ContactCount);
    }

    [Theory]
    [InlineData("/plain/x")]
    [InlineData("/ws/x")]
    public async Task Upgrade_H2c_NeverPerformed_ServedAsHttp11WithoutUpgrade(string path)
    {
        await using var service = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"ok":1}"""));
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port,
            $"GET {path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("""{"ok":1}""", response.BodyText);
        Assert.False(response.HasHeader("Upgrade"));
        var received = Assert.Single(service.Requests);
        Assert.Null(received.Header("Upgrade"));
        Assert.Null(received.Header("HTTP2-Settings"));
    }

    [Theory]
    [InlineData("", "", 400)] // no key
    [InlineData("c2hvcnQ=", "", 400)] // base64 of 5 bytes
    [InlineData("not base64 at all!!!!!!!", "", 400)]
    public async Task Handshake_BadKey_Refused(string key, string extra, int status)
    {
        await using var service = await FakeUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port, TunnelGateway.Handshake("/ws/x", extra, key));

        Assert.Equal(status, response.Status);
        Assert.Equal(0, service.ContactCount);
    }

    [Fact]
    public async Task Handshake_OtherVersion_426WithTheVersionSpoken()
    {
        await using var service = await FakeUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port,
            $"GET /ws/x HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");

        Assert.Equal(426, response.Status);
        Assert.Equal("13", response.Header("Sec-WebSocket-Version"));
        Assert.Equal(0, service.ContactCount);
    }

    [Theory]
    [InlineData("GET /ws/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 400)] // no version
    [InlineData("GET /ws/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: chat/1\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400)] // another protocol
    [InlineData("POST /ws/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 405)] // not a GET
    [InlineData("GET /ws/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400)] // two keys
    [InlineData("GET /ws/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello", 400)] // a body
    public async Task Handshake_Malformed_RefusedNothingSent(string request, int status)
    {
        await using var service = await FakeUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(service.Url, new Dictionary<string, string?> { ["Gateway:Routes:echo:Auth"] = "none" });

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(request);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(status, response.Status);
        Assert.Equal(0, service.ContactCount);
    }

    [Fact]
    public async Task Tunnel_WithoutCredentials_401BeforeTheService()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port,
            "GET /ws/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

        Assert.Equal(401, response.Status);
    }

    [Fact]
    public async Task Tunnel_ServiceUnreachable_502()
    {
        await using var gateway = await TunnelGateway.StartAsync(Ports.RefusingUrl());

        var response = await TunnelGateway.SendRawAsync(gateway.Port, TunnelGateway.Handshake("/ws/x"));

        Assert.Equal(502, response.Status);
    }

    [Fact]
    public async Task Tunnel_OrdinaryGetOnAWebSocketRoute_ForwardedAsUsual()
    {
        await using var service = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"ok":2}"""));
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        using var response = await gateway.GetAsync("/ws/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"ok":2}""", await response.Content.ReadAsStringAsync());
        Assert.Null(Assert.Single(service.Requests).Header("Upgrade"));
    }
}
