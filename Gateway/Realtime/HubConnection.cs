using System.Net.WebSockets;
using System.Threading.Channels;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// One hub socket and its bounded send queue. Publishers only ever <see cref="TryEnqueue"/> (never wait); one writer
/// loop per connection (<see cref="RunWriterAsync"/>) writes the queue to the socket, so a slow client holds up nobody
/// but itself. A client that falls <see cref="RealtimeOptions.SendQueueLength"/> messages behind is closed with 1008.
/// Every send, the close frame included, goes through the writer loop: a WebSocket allows one send at a time.
/// </summary>
internal sealed class HubConnection : IDisposable
{
    /// <summary>How long a graceful close may take to write what is queued and the close frame before the socket is aborted.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly Channel<HubMessage> _queue;
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _sending = new();
    private readonly RealtimeStats _stats;
    private volatile string[]? _types;
    private WebSocketCloseStatus _closeStatus;
    private string _closeReason = "";
    private bool _flushBeforeClose;
    private int _closeRequested;

    public HubConnection(WebSocket socket, string sessionId, int sendQueueLength, RealtimeStats stats)
    {
        Socket = socket;
        SessionId = sessionId;
        _stats = stats;
        _queue = Channel.CreateBounded<HubMessage>(new BoundedChannelOptions(sendQueueLength)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public WebSocket Socket { get; }

    public string SessionId { get; }

    /// <summary>Set once the connection has authenticated (its client id).</summary>
    public string? ClientId { get; set; }

    /// <summary>True once a close has been asked for (by the hub, the client or an overflow).</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>Cancelled when a close is asked for.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>The close code asked for, once <see cref="IsClosing"/>.</summary>
    public WebSocketCloseStatus CloseStatus => _closeStatus;

    /// <summary>The message types this connection receives; null for all.</summary>
    public string[]? Types => _types;

    /// <summary>True when <paramref name="type"/> passes the connection's subscription (errors and pongs always do).</summary>
    public bool Wants(string type)
    {
        var types = _types;
        if (types is null || ReferenceEquals(type, HubMessage.Error) || ReferenceEquals(type, HubMessage.Pong))
        {
            return true;
        }

        for (var i = 0; i < types.Length; i++)
        {
            if (string.Equals(types[i], type, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Narrows the types received to <paramref name="types"/> (added to what is subscribed; all when nothing was).</summary>
    public void Subscribe(IReadOnlyList<string> types)
    {
        var current = _types;
        var next = current is null ? new List<string>() : new List<string>(current);
        foreach (var type in types)
        {
            if (!next.Contains(type))
            {
                next.Add(type);
            }
        }

        _types = [.. next];
    }

    /// <summary>Stops receiving <paramref name="types"/>; from "all", every known type but those.</summary>
    public void Unsubscribe(IReadOnlyList<string> types)
    {
        var current = _types ?? [HubMessage.ChatStream, HubMessage.ToolProgress, HubMessage.SystemStatus];
        var next = new List<string>(current.Length);
        foreach (var type in current)
        {
            if (!types.Contains(type))
            {
                next.Add(type);
            }
        }

        _types = [.. next];
    }

    /// <summary>
    /// Queues <paramref name="message"/> when the subscription wants it; never waits. A full queue closes the
    /// connection (1008) and counts a drop. False when the message was not queued.
    /// </summary>
    public bool TryEnqueue(HubMessage message, bool filter = true)
    {
        if (filter && !Wants(message.Type))
        {
            return false;
        }

        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        if (!IsClosing)
        {
            _stats.SendQueueOverflowed();
            RequestClose(WebSocketCloseStatus.PolicyViolation, "Send queue overflow", flush: false);
        }

        return false;
    }

    /// <summary>Queues <paramref name="message"/>, waiting for room (the offline backlog, before the connection takes live messages).</summary>
    public async ValueTask EnqueueWaitingAsync(HubMessage message, CancellationToken cancellationToken)
    {
        if (!Wants(message.Type))
        {
            return;
        }

        try
        {
            await _queue.Writer.WriteAsync(message, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // closing: the backlog is not sent
        }
    }

    /// <summary>
    /// Asks the writer loop to close: with <paramref name="flush"/> what is queued is written first (an error message
    /// before its close), without it the queue is dropped. The first request wins.
    /// </summary>
    public void RequestClose(WebSocketCloseStatus status, string reason, bool flush = true)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
        {
            return;
        }

        _closeStatus = status;
        _closeReason = reason;
        _flushBeforeClose = flush;
        _queue.Writer.TryComplete();
        if (!flush)
        {
            // A send stuck on a client that does not read gets the grace period, then the socket is aborted.
            _sending.CancelAfter(CloseGrace);
        }

        _closing.Cancel();
    }

    public void Dispose()
    {
        _closing.Dispose();
        _sending.Dispose();
    }

    /// <summary>Writes the queue to the socket until a close is asked for, then the close frame; ends when the socket can take no more.</summary>
    public async Task RunWriterAsync(CancellationToken aborted)
    {
        using var link = CancellationTokenSource.CreateLinkedTokenSource(aborted, _sending.Token);
        var token = link.Token;
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(token))
            {
                while (reader.TryRead(out var message))
                {
                    if (IsClosing && !_flushBeforeClose)
                    {
                        break;
                    }

                    await Socket.SendAsync(message.Utf8, WebSocketMessageType.Text, endOfMessage: true, token);
                    _stats.MessageSent();
                }

                if (IsClosing && !_flushBeforeClose)
                {
                    break;
                }
            }

            if (IsClosing && Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                _sending.CancelAfter(CloseGrace);
                await Socket.CloseOutputAsync(_closeStatus, _closeReason, token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            Socket.Abort();
        }
    }
}
