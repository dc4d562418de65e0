using System.Net.WebSockets;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Tunnel;

/// <summary>The gateway with a WebSocket route <c>/ws/{**rest}</c> and a plain route <c>/plain/{**rest}</c>, both to one service.</summary>
internal static class TunnelGateway
{
    public static Dictionary<string, string?> Routes(string serviceUrl, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Services:Echo:Url"] = serviceUrl,
            ["Gateway:Routes:echo:Path"] = "/ws/{**rest}",
            ["Gateway:Routes:echo:UpstreamPath"] = "/up/{**rest}",
            ["Gateway:Routes:echo:Methods"] = "GET",
            ["Gateway:Routes:echo:Service"] = "Echo",
            ["Gateway:Routes:echo:WebSocket"] = "true",
            ["Gateway:Routes:plain:Path"] = "/plain/{**rest}",
            ["Gateway:Routes:plain:Methods"] = "GET",
            ["Gateway:Routes:plain:Service"] = "Echo",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<GatewayHost> StartAsync(string serviceUrl, IReadOnlyDictionary<string, string?>? more = null) =>
        GatewayHost.StartAtAsync(null, null, null, Routes(serviceUrl, more));

    /// <summary>A connected client socket through the gateway, with the API key on the handshake.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(GatewayHost gateway, string path = "/ws/chat")
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-API-Key", GatewayHost.ApiKey);
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}{path}"), CancellationToken.None).WithTimeout();
        return socket;
    }

    /// <summary>One whole message (all its fragments).</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data, WebSocketReceiveResult Last)> ReceiveAsync(WebSocket socket, TimeSpan? within = null)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(within ?? Timeouts.Signal);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, message.ToArray(), result);
            }
        }
    }

    /// <summary>Writes <paramref name="head"/> on a new connection and reads one response (the connection may stay open).</summary>
    public static async Task<RawResponse> SendRawAsync(int port, string head)
    {
        using var connection = await RawConnection.ConnectAsync(port);
        await connection.WriteAsync(head);
        return await connection.ReadResponseAsync();
    }

    /// <summary>An RFC 6455 handshake request head for <paramref name="path"/> with the given extra header lines.</summary>
    public static string Handshake(string path, string extra = "", string key = "dGhlIHNhbXBsZSBub25jZQ==", string method = "GET") =>
        $"{method} {path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
        (key.Length > 0 ? $"Sec-WebSocket-Key: {key}\r\n" : "") + "Sec-WebSocket-Version: 13\r\n" + extra + "\r\n";
}
