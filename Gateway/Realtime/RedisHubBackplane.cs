using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using PyAirtable.Gateway.RateLimiting;
using StackExchange.Redis;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// The hub across replicas, with <c>REDIS_URL</c> (read as the rate limiter reads it: never blocking on Redis,
/// commands failing at once while disconnected, reconnecting in the background).
/// <list type="bullet">
/// <item>Each replica subscribes to the channel <c>{prefix}s:{session}</c> of every session it holds a connection for,
/// and drops it with the session's last connection. Messages are processed in order per channel.</item>
/// <item>A message published here is delivered locally first, then published with this replica's id (which the
/// replica skips when it comes back). PUBLISH answers how many replicas hold the session: when none does, the message
/// goes to the session's list <c>{prefix}q:{session}</c> (bounded by <c>OfflineQueueLength</c>, expiring
/// <c>OfflineQueueSeconds</c> after its last message, each entry stamped so older ones are skipped).</item>
/// <item>While Redis is unreachable, local delivery goes on and messages for absent sessions stay in the in-process
/// queue; the outage is logged once and the recovery once.</item>
/// </list>
/// </summary>
internal sealed partial class RedisHubBackplane : IHubBackplane, IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(1);

    private readonly ConfigurationOptions? _configuration;
    private readonly RealtimeHub _hub;
    private readonly RealtimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisHubBackplane> _logger;
    private readonly string _replica = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, ChannelMessageQueue?> _subscriptions = new(StringComparer.Ordinal);
    private ConnectionMultiplexer? _connection;
    private int _outage;

    public RedisHubBackplane(IOptions<RateLimitOptions> redis, RealtimeOptions options, RealtimeHub hub, TimeProvider time, ILogger<RedisHubBackplane> logger)
    {
        var url = redis.Value.Redis;
        _configuration = string.IsNullOrEmpty(url) ? null : RedisConnectionString.TryParse(url);
        _options = options;
        _hub = hub;
        _time = time;
        _logger = logger;
    }

    /// <summary>The connection, once started with Redis configured (tests watch its state).</summary>
    internal IConnectionMultiplexer? Connection => _connection;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configuration is null)
        {
            return;
        }

        var configuration = _configuration.Clone();
        configuration.ClientName = "pyairtable-gateway-hub";
        _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        _connection.ConnectionFailed += (_, e) => MarkOutage(e.FailureType.ToString());
        _connection.ConnectionRestored += (_, _) => OnRestored();
        if (!_connection.IsConnected)
        {
            MarkOutage("not connected at start");
        }

        _hub.Sessions.SessionOpened += session => _ = SubscribeAsync(session);
        _hub.Sessions.SessionClosed += session => _ = UnsubscribeAsync(session);
        _hub.Attach(this);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
        }
    }

    public async Task<bool> PublishAsync(string sessionId, HubMessage message, bool deliveredLocally)
    {
        var connection = _connection;
        if (connection is null || !connection.IsConnected)
        {
            MarkOutage("disconnected");
            return false;
        }

        try
        {
            var database = connection.GetDatabase();
            var receivers = await database.PublishAsync(Channel(sessionId), Frame(_replica, message)).WaitAsync(CommandTimeout);
            var elsewhere = receivers - (_subscriptions.ContainsKey(sessionId) ? 1 : 0);
            if (!deliveredLocally && elsewhere <= 0 && _options.OfflineQueueLength > 0)
            {
                var key = QueueKey(sessionId);
                var stamp = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                var batch = database.CreateBatch();
                var push = batch.ListRightPushAsync(key, Frame(stamp, message));
                var trim = batch.ListTrimAsync(key, -_options.OfflineQueueLength, -1);
                var expire = batch.KeyExpireAsync(key, TimeSpan.FromSeconds(_options.OfflineQueueSeconds));
                batch.Execute();
                await Task.WhenAll(push, trim, expire).WaitAsync(CommandTimeout);
            }

            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            MarkOutage(ex.GetType().Name);
            return false;
        }
    }

    public async Task<List<HubMessage>> TakeQueuedAsync(string sessionId, CancellationToken cancellationToken)
    {
        var messages = new List<HubMessage>();
        var connection = _connection;
        if (connection is null || !connection.IsConnected || _options.OfflineQueueLength == 0)
        {
            return messages;
        }

        try
        {
            var key = QueueKey(sessionId);
            var transaction = connection.GetDatabase().CreateTransaction();
            var range = transaction.ListRangeAsync(key);
            _ = transaction.KeyDeleteAsync(key);
            await transaction.ExecuteAsync().WaitAsync(CommandTimeout, cancellationToken);
            var entries = await range;
            var oldest = _time.GetUtcNow().AddSeconds(-_options.OfflineQueueSeconds).ToUnixTimeMilliseconds();
            foreach (var entry in entries)
            {
                if (TryParse(entry, out var stamp, out var message)
                    && long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var at) && at >= oldest)
                {
                    messages.Add(message);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            MarkOutage(ex.GetType().Name);
        }

        return messages;
    }

    private async Task SubscribeAsync(string sessionId)
    {
        var connection = _connection;
        if (connection is null || !_subscriptions.TryAdd(sessionId, null))
        {
            return;
        }

        try
        {
            var queue = await connection.GetSubscriber().SubscribeAsync(Channel(sessionId)).WaitAsync(CommandTimeout);
            queue.OnMessage(message => OnMessage(sessionId, message.Message));
            if (!_subscriptions.TryUpdate(sessionId, queue, null))
            {
                await queue.UnsubscribeAsync(); // the session closed meanwhile
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Kept without a queue: subscribed again when the connection is restored.
            MarkOutage(ex.GetType().Name);
        }
    }

    private async Task UnsubscribeAsync(string sessionId)
    {
        if (!_subscriptions.TryRemove(sessionId, out var queue) || queue is null)
        {
            return;
        }

        try
        {
            await queue.UnsubscribeAsync().WaitAsync(CommandTimeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            MarkOutage(ex.GetType().Name);
        }
    }

    private void OnMessage(string sessionId, RedisValue value)
    {
        if (TryParse(value, out var origin, out var message) && origin != _replica)
        {
            _hub.DeliverFromBackplane(sessionId, message);
        }
    }

    private void OnRestored()
    {
        if (_connection is not { IsConnected: true })
        {
            return;
        }

        if (Interlocked.Exchange(ref _outage, 0) == 1)
        {
            Log.Restored(_logger);
        }

        foreach (var (session, queue) in _subscriptions)
        {
            if (queue is null && _subscriptions.TryRemove(new KeyValuePair<string, ChannelMessageQueue?>(session, null)))
            {
                _ = SubscribeAsync(session);
            }
        }
    }

    private void MarkOutage(string reason)
    {
        if (Interlocked.Exchange(ref _outage, 1) == 0)
        {
            Log.Outage(_logger, reason);
        }
    }

    private RedisChannel Channel(string sessionId) => RedisChannel.Literal(_options.RedisKeyPrefix + "s:" + sessionId);

    private RedisKey QueueKey(string sessionId) => _options.RedisKeyPrefix + "q:" + sessionId;

    /// <summary><c>{head}\n{type}\n{envelope}</c>: the head is the sending replica (pub/sub) or the time queued (offline list).</summary>
    private static byte[] Frame(string head, HubMessage message)
    {
        var headBytes = Encoding.UTF8.GetByteCount(head);
        var typeBytes = Encoding.UTF8.GetByteCount(message.Type);
        var frame = new byte[headBytes + typeBytes + 2 + message.Utf8.Length];
        Encoding.UTF8.GetBytes(head, frame);
        frame[headBytes] = (byte)'\n';
        Encoding.UTF8.GetBytes(message.Type, frame.AsSpan(headBytes + 1));
        frame[headBytes + 1 + typeBytes] = (byte)'\n';
        message.Utf8.Span.CopyTo(frame.AsSpan(headBytes + typeBytes + 2));
        return frame;
    }

    private static bool TryParse(RedisValue value, out string head, out HubMessage message)
    {
        head = "";
        message = null!;
        var bytes = (byte[]?)value;
        if (bytes is null)
        {
            return false;
        }

        var first = Array.IndexOf(bytes, (byte)'\n');
        var second = first < 0 ? -1 : Array.IndexOf(bytes, (byte)'\n', first + 1);
        if (second < 0)
        {
            return false;
        }

        head = Encoding.UTF8.GetString(bytes, 0, first);
        var type = Encoding.UTF8.GetString(bytes, first + 1, second - first - 1);
        message = new HubMessage(Intern(type), bytes.AsMemory(second + 1));
        return true;
    }

    /// <summary>The hub's own type strings, so subscription checks compare by reference first.</summary>
    private static string Intern(string type) => type switch
    {
        HubMessage.ChatStream => HubMessage.ChatStream,
        HubMessage.ToolProgress => HubMessage.ToolProgress,
        HubMessage.SystemStatus => HubMessage.SystemStatus,
        HubMessage.Error => HubMessage.Error,
        HubMessage.Pong => HubMessage.Pong,
        _ => type,
    };

    private static partial class Log
    {
        [LoggerMessage(9540, LogLevel.Warning, "Redis unavailable for the hub ({Reason}): messages reach this replica's connections only, and absent sessions' messages are kept here, until it is back")]
        public static partial void Outage(ILogger logger, string reason);

        [LoggerMessage(9541, LogLevel.Information, "Redis available again for the hub: messages reach every replica")]
        public static partial void Restored(ILogger logger);
    }
}
