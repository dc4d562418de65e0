using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>A real <see cref="ClientWebSocket"/> to the gateway's <c>/ws</c>, with helpers that read whole JSON messages under a timeout.</summary>
internal sealed class HubClient : IAsyncDisposable
{
    private HubClient(ClientWebSocket socket, string sessionId)
    {
        Socket = socket;
        SessionId = sessionId;
    }

    public ClientWebSocket Socket { get; }

    public string SessionId { get; }

    public static Uri Address(GatewayHost gateway, string? sessionId) => Address(gateway.Port, sessionId);

    public static Uri Address(int port, string? sessionId) =>
        new($"ws://127.0.0.1:{port}/ws" + (sessionId is null ? "" : "?session_id=" + Uri.EscapeDataString(sessionId)));

    public static Task<HubClient> ConnectAsync(GatewayHost gateway, string sessionId, Action<ClientWebSocketOptions>? configure = null) =>
        ConnectAsync(gateway.Port, sessionId, configure);

    public static async Task<HubClient> ConnectAsync(int port, string sessionId, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(Address(port, sessionId), CancellationToken.None).WithTimeout();
        return new HubClient(socket, sessionId);
    }

    public static Task<(HubClient Client, JsonElement Status)> ConnectAuthenticatedAsync(GatewayHost gateway, string sessionId) =>
        ConnectAuthenticatedAsync(gateway.Port, sessionId);

    /// <summary>Connects to the gateway on <paramref name="port"/> and authenticates with the auth message; the <c>system_status</c> that follows is read and returned.</summary>
    public static async Task<(HubClient Client, JsonElement Status)> ConnectAuthenticatedAsync(int port, string sessionId)
    {
        var client = await ConnectAsync(port, sessionId);
        await client.SendAsync($$"""{"type":"auth","api_key":"{{GatewayHost.ApiKey}}"}""");
        var status = await client.ReceiveAsync(includeStatus: true);
        Assert.Equal("system_status", status.GetProperty("type").GetString());
        return (client, status);
    }

    public Task SendAsync(string json, WebSocketMessageType type = WebSocketMessageType.Text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(json), type, endOfMessage: true, CancellationToken.None).WithTimeout();

    /// <summary>Sends <paramref name="json"/> in frames of <paramref name="frameBytes"/>.</summary>
    public async Task SendFragmentedAsync(byte[] json, int frameBytes)
    {
        for (var offset = 0; offset < json.Length; offset += frameBytes)
        {
            var count = Math.Min(frameBytes, json.Length - offset);
            await Socket.SendAsync(json.AsMemory(offset, count), WebSocketMessageType.Text, offset + count == json.Length, CancellationToken.None).AsTask().WithTimeout();
        }
    }

    /// <summary>
    /// The next whole message as JSON; fails on a close or after the timeout. <c>system_status</c> messages (pushed
    /// whenever the gateway's periodic health round sees a change) are skipped unless <paramref name="includeStatus"/>.
    /// </summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null, bool includeStatus = false)
    {
        while (true)
        {
            var (type, text) = await ReceiveRawAsync(timeout);
            Assert.True(type != WebSocketMessageType.Close, $"Expected a message, got a close {Socket.CloseStatus} '{Socket.CloseStatusDescription}'");
            using var document = JsonDocument.Parse(text);
            if (includeStatus || document.RootElement.GetProperty("type").GetString() != "system_status")
            {
                return document.RootElement.Clone();
            }
        }
    }

    /// <summary>Reads messages until the server's close arrives; its status and reason, and the messages before it.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason, List<JsonElement> Before)> ReceiveCloseAsync(TimeSpan? timeout = null)
    {
        var before = new List<JsonElement>();
        while (true)
        {
            var (type, text) = await ReceiveRawAsync(timeout);
            if (type == WebSocketMessageType.Close)
            {
                return (Socket.CloseStatus, Socket.CloseStatusDescription, before);
            }

            using var document = JsonDocument.Parse(text);
            if (document.RootElement.GetProperty("type").GetString() != "system_status")
            {
                before.Add(document.RootElement.Clone());
            }
        }
    }

    public async Task<(WebSocketMessageType Type, string Text)> ReceiveRawAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Signal);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, "");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        Socket.Dispose();
    }
}
