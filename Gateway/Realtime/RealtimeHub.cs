using System.Collections.Concurrent;
using System.Threading.Channels;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// Where messages for sessions are published. A message goes at once into the send queues of the session's
/// connections on this replica (a publisher never waits for a socket); with a backplane it also goes, in publish
/// order, through one background loop to the other replicas. A message for a session with no connection anywhere is
/// kept in the offline queue. The hub also counts each session's streams in flight, so a drain can wait for them.
/// </summary>
internal sealed partial class RealtimeHub : IDisposable
{
    private readonly HubSessions _sessions;
    private readonly OfflineQueue _offline;
    private readonly RealtimeStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger<RealtimeHub> _logger;
    private readonly ConcurrentDictionary<string, int> _streams = new(StringComparer.Ordinal);
    private readonly Channel<(string SessionId, HubMessage Message, bool Delivered)> _outbound =
        Channel.CreateUnbounded<(string, HubMessage, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<HubConnection, byte> _open = new();
    private IHubBackplane? _backplane;
    private Task _outboundLoop = Task.CompletedTask;
    private TaskCompletionSource _streamEnded = NewSignal();

    public RealtimeHub(HubSessions sessions, OfflineQueue offline, RealtimeStats stats, TimeProvider time, ILogger<RealtimeHub> logger)
    {
        _sessions = sessions;
        _offline = offline;
        _stats = stats;
        _time = time;
        _logger = logger;
        stats.ActiveSessions = () => sessions.SessionCount;
        stats.QueuedNow = () => offline.Count;
    }

    public HubSessions Sessions => _sessions;

    public TimeProvider Time => _time;

    /// <summary>The last <c>system_status</c> data (members only), sent to each connection right after it authenticates.</summary>
    public Func<string, HubMessage>? StatusSnapshot { get; set; }

    /// <summary>Every open connection, authenticated or not.</summary>
    public ICollection<HubConnection> Open => _open.Keys;

    public void Track(HubConnection connection) => _open.TryAdd(connection, 0);

    public void Untrack(HubConnection connection) => _open.TryRemove(connection, out _);

    /// <summary>Connects the hub to other replicas; messages published from now on also go through it.</summary>
    public void Attach(IHubBackplane backplane)
    {
        _backplane = backplane;
        _outboundLoop = Task.Run(RunOutboundAsync);
    }

    /// <summary>Publishes an envelope whose <c>data</c> is the raw JSON object <paramref name="data"/>.</summary>
    public void Publish(string sessionId, string type, ReadOnlySpan<byte> data) =>
        Publish(sessionId, HubMessage.FromRaw(type, sessionId, data, _time.GetUtcNow()));

    /// <summary>Publishes <paramref name="message"/> to <paramref name="sessionId"/>'s connections, on every replica.</summary>
    public void Publish(string sessionId, HubMessage message)
    {
        var delivered = _sessions.Deliver(sessionId, message) > 0;
        if (_backplane is not null)
        {
            _outbound.Writer.TryWrite((sessionId, message, delivered));
            return;
        }

        if (!delivered)
        {
            _offline.Enqueue(sessionId, message);
            _stats.MessageQueued();
        }
    }

    /// <summary>A message from another replica: for this replica's connections only.</summary>
    public void DeliverFromBackplane(string sessionId, HubMessage message) => _sessions.Deliver(sessionId, message);

    /// <summary>The messages kept for <paramref name="sessionId"/> while it had no connection, oldest first.</summary>
    public async Task<List<HubMessage>> TakeQueuedAsync(string sessionId, CancellationToken cancellationToken)
    {
        var messages = _backplane is { } backplane ? await backplane.TakeQueuedAsync(sessionId, cancellationToken) : [];
        if (_offline.TakeAll(sessionId) is { } local)
        {
            messages.AddRange(local);
        }

        return messages;
    }

    /// <summary>Marks a stream for <paramref name="sessionId"/> in flight until the result is disposed.</summary>
    public StreamLease BeginStream(string sessionId)
    {
        _streams.AddOrUpdate(sessionId, 1, static (_, n) => n + 1);
        return new StreamLease(this, sessionId);
    }

    /// <summary>True while a stream for <paramref name="sessionId"/> is in flight.</summary>
    public bool HasStream(string sessionId) => _streams.TryGetValue(sessionId, out var n) && n > 0;

    /// <summary>Completes when any stream ends (look again with <see cref="HasStream"/>).</summary>
    public Task StreamEnded => Volatile.Read(ref _streamEnded).Task;

    public void Dispose()
    {
        _outbound.Writer.TryComplete();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void EndStream(string sessionId)
    {
        while (true)
        {
            if (!_streams.TryGetValue(sessionId, out var n))
            {
                break;
            }

            if (n <= 1 ? _streams.TryRemove(new KeyValuePair<string, int>(sessionId, n)) : _streams.TryUpdate(sessionId, n - 1, n))
            {
                break;
            }
        }

        Interlocked.Exchange(ref _streamEnded, NewSignal()).TrySetResult();
    }

    private async Task RunOutboundAsync()
    {
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                while (reader.TryRead(out var item))
                {
                    var sent = await _backplane!.PublishAsync(item.SessionId, item.Message, item.Delivered);
                    if (!sent && !item.Delivered)
                    {
                        _offline.Enqueue(item.SessionId, item.Message);
                        _stats.MessageQueued();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log.OutboundFailed(_logger, ex);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A stream in flight; dispose when it ends.</summary>
    internal readonly struct StreamLease(RealtimeHub hub, string sessionId) : IDisposable
    {
        public void Dispose() => hub.EndStream(sessionId);
    }

    private static partial class Log
    {
        [LoggerMessage(9520, LogLevel.Error, "The hub's backplane loop failed; messages now stay on this replica")]
        public static partial void OutboundFailed(ILogger logger, Exception exception);
    }
}
