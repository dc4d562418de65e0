using System.Net;
using System.Net.WebSockets;
using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>RFC 8441: the hub over HTTP/2 (extended CONNECT), here on a cleartext HTTP/2-only endpoint.</summary>
public sealed class HubHttp2Tests
{
    [Fact]
    public async Task Http2ExtendedConnect_AuthMessage_SystemStatusAndPong()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?> { ["Kestrel:EndpointDefaults:Protocols"] = "Http2" });
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;

        await socket.ConnectAsync(HubClient.Address(gateway, "h2"), invoker, CancellationToken.None).WithTimeout();
        await socket.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"auth","api_key":"{{GatewayHost.ApiKey}}"}"""), WebSocketMessageType.Text, true, CancellationToken.None).WithTimeout();
        var status = await ReceiveTextAsync(socket);
        await socket.SendAsync("""{"type":"ping"}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None).WithTimeout();
        string pong;
        do
        {
            pong = await ReceiveTextAsync(socket);
        }
        while (pong.Contains("\"system_status\"", StringComparison.Ordinal));

        Assert.Contains("\"system_status\"", status, StringComparison.Ordinal);
        Assert.Contains("\"pong\"", pong, StringComparison.Ordinal);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WithTimeout();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeouts.Signal);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }
}
