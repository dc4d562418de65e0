using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Tunnel;

/// <summary>
/// A real Kestrel WebSocket server on 127.0.0.1:0 behind the gateway. It echoes every message whole (fragments joined),
/// and obeys text commands: <c>close:CODE:REASON</c> closes from the server side, <c>abort</c> drops the connection.
/// It reports what it saw: the handshake's headers, the client's close, and a connection that ended without one.
/// </summary>
internal sealed class WebSocketUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<IHeaderDictionary> _handshakes = Channel.CreateUnbounded<IHeaderDictionary>();
    private readonly Channel<(WebSocketCloseStatus? Status, string? Reason)> _closes = Channel.CreateUnbounded<(WebSocketCloseStatus?, string?)>();
    private readonly Channel<string> _vanished = Channel.CreateUnbounded<string>();

    private WebSocketUpstream(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public static async Task<WebSocketUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new WebSocketUpstream(app);
        app.UseWebSockets();
        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        upstream.Url = app.Urls.Single().TrimEnd('/');
        return upstream;
    }

    /// <summary>The headers of the next handshake that reached this server (path under <c>X-Test-Path</c>).</summary>
    public Task<IHeaderDictionary> NextHandshakeAsync() => _handshakes.Reader.ReadAsync().AsTask().WithTimeout();

    /// <summary>The close status and reason of the next connection the client closed properly.</summary>
    public Task<(WebSocketCloseStatus? Status, string? Reason)> NextCloseAsync() => _closes.Reader.ReadAsync().AsTask().WithTimeout();

    /// <summary>Completes when a connection ends without a close handshake (the other side vanished).</summary>
    public Task<string> NextVanishedAsync(TimeSpan within) => _vanished.Reader.ReadAsync().AsTask().WaitAsync(within);

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 426;
            return;
        }

        var headers = new HeaderDictionary();
        foreach (var (name, value) in context.Request.Headers)
        {
            headers[name] = value;
        }

        headers["X-Test-Path"] = context.Request.Path + context.Request.QueryString;
        _handshakes.Writer.TryWrite(headers);
        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.Count > 0 ? context.WebSockets.WebSocketRequestedProtocols[0] : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closes.Writer.TryWrite((result.CloseStatus, result.CloseStatusDescription));
                    await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, CancellationToken.None);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var bytes = message.ToArray();
                message.SetLength(0);
                if (result.MessageType == WebSocketMessageType.Text)
                {
                    var text = Encoding.UTF8.GetString(bytes);
                    if (text == "abort")
                    {
                        context.Abort();
                        return;
                    }

                    if (text.StartsWith("close:", StringComparison.Ordinal))
                    {
                        var parts = text.Split(':', 3);
                        await socket.CloseAsync((WebSocketCloseStatus)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], CancellationToken.None);
                        return;
                    }
                }

                await socket.SendAsync(bytes, result.MessageType, true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ConnectionAbortedException)
        {
            _vanished.Writer.TryWrite(ex.GetType().Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
