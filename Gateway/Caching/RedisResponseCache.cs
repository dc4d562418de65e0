using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PyAirtable.Gateway.RateLimiting;
using StackExchange.Redis;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The shared tier of the response cache, in Redis (<c>REDIS_URL</c>), behind every replica's memory tier. An entry
/// lives in a hash per path, query and identity (<c>*</c> when shared), one field per variant (the values of the
/// headers its <c>Vary</c> and the route's key headers name), with a TTL of its remaining freshness plus any stale
/// allowance; a set per path indexes those hashes for invalidation and purging, and a channel tells the other
/// replicas to drop their memory copies.
/// <para>
/// The request path never waits on an unhealthy Redis: while disconnected nothing is sent (commands are never
/// queued), a lookup that takes longer than <see cref="CacheOptions.RedisTimeoutMilliseconds"/> counts as a miss and
/// Redis is left alone for a second, and writes happen on the thread pool after the response went out. An outage is
/// logged once and its end once; invalidations that could not reach Redis meanwhile are sent when it returns, and the
/// memory tier is emptied then (invalidations from other replicas may have been missed). A value that cannot be read
/// (corrupt, foreign, another version) is a miss.
/// </para>
/// </summary>
internal sealed partial class RedisResponseCache : IHostedService, IAsyncDisposable
{
    /// <summary>KEYS[1]: the entry hash, KEYS[2]: the path's index. ARGV: field, value, TTL in ms. The keys keep the longest TTL given.</summary>
    internal const string StoreScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        local ttl = tonumber(ARGV[3])
        if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
        redis.call('SADD', KEYS[2], KEYS[1])
        if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
        return 1
        """;

    /// <summary>KEYS: path indexes. Deletes every entry hash they list and the indexes; returns the number of variants removed.</summary>
    internal const string RemoveScript = """
        local n = 0
        for i = 1, #KEYS do
          local members = redis.call('SMEMBERS', KEYS[i])
          for j = 1, #members do
            n = n + redis.call('HLEN', members[j])
            redis.call('DEL', members[j])
          end
          redis.call('DEL', KEYS[i])
        end
        return n
        """;

    private static readonly long RetryDelayTicks = Stopwatch.Frequency;

    /// <summary>How long a background write or an invalidation may take.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a purge (a scan of the keys) may take.</summary>
    private static readonly TimeSpan PurgeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Invalidations kept while Redis is away; past that the whole shared tier is purged when it returns.</summary>
    private const int MaxPendingInvalidations = 10_000;

    private readonly ConfigurationOptions? _configuration;
    private readonly TimeSpan _timeout;
    private readonly string _prefix;
    private readonly RedisChannel _channel;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly MemoryResponseCache _memory;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisResponseCache> _logger;
    private readonly ConcurrentQueue<string> _pending = new();
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private long _retryAt;
    private int _outage;
    private int _pendingCount;
    private int _purgeAllPending;
    private int _subscribed;

    public RedisResponseCache(
        IOptions<CacheOptions> options, IOptions<RateLimitOptions> redis, MemoryResponseCache memory, TimeProvider time, ILogger<RedisResponseCache> logger)
    {
        var value = options.Value;
        var url = redis.Value.Redis;
        _configuration = value.Redis && !string.IsNullOrEmpty(url) ? RedisConnectionString.TryParse(url) : null;
        _timeout = TimeSpan.FromMilliseconds(value.RedisTimeoutMilliseconds);
        _prefix = value.RedisKeyPrefix;
        _channel = RedisChannel.Literal(_prefix + "invalidate");
        _memory = memory;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when Redis is configured for the cache (it may still be unreachable).</summary>
    public bool Enabled => _configuration is not null;

    /// <summary>The connection, once started (tests watch its state).</summary>
    internal IConnectionMultiplexer? Connection => _connection;

    /// <summary>Raised after a background write reached Redis (tests await it).</summary>
    internal event Action<CachedResponse>? Written;

    /// <summary>Raised after another replica's invalidation or purge was applied to the memory tier (tests await it).</summary>
    internal event Action? InvalidationApplied;

    /// <summary>Connects before the server takes requests; bounded by the connect timeout, and never fails start-up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configuration is null)
        {
            return;
        }

        _connection = await ConnectionMultiplexer.ConnectAsync(_configuration);
        _connection.ConnectionFailed += OnConnectionFailed;
        _connection.ConnectionRestored += OnConnectionRestored;
        _database = _connection.GetDatabase();
        await SubscribeAsync();

        if (_connection.IsConnected)
        {
            Log.Connected(_logger, _configuration.EndPoints.Count > 0 ? _configuration.EndPoints[0].ToString() ?? "" : "");
        }
        else
        {
            MarkUnavailable("not connected at start", backOff: false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Subscribes to the invalidation channel once (the connection renews a subscription whenever it reconnects); retried when Redis returns.</summary>
    private async Task SubscribeAsync()
    {
        if (Interlocked.CompareExchange(ref _subscribed, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await _connection!.GetSubscriber().SubscribeAsync(_channel, OnInvalidation);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            Volatile.Write(ref _subscribed, 0);
            MarkUnavailable("not subscribed to invalidations", backOff: false);
        }
    }

    /// <summary>The hash of the entries for a path, query and identity (null: shared). The path is length-prefixed, so no two keys collide.</summary>
    internal static string EntryKey(string prefix, string path, string query, string? identity) =>
        string.Concat(prefix, path.Length.ToString(CultureInfo.InvariantCulture), "{", path, "}", query, "\n", identity is null ? "*" : "c:" + identity);

    /// <summary>The set of a path's entry hashes.</summary>
    internal static string IndexKey(string prefix, string path) => string.Concat(prefix, "i{", path, "}");

    /// <summary>The field of a variant in its hash: the selecting header names (lower case) and values.</summary>
    internal static string VariantField(string[] names, string[] values)
    {
        if (names.Length == 0)
        {
            return "";
        }

        var field = new StringBuilder();
        for (var i = 0; i < names.Length; i++)
        {
            field.Append(names[i].ToLowerInvariant()).Append(':').Append(values[i]).Append('\n');
        }

        return field.ToString();
    }

    /// <summary>
    /// The newest stored variant that answers the request (its query, identity and selecting headers), or null: at
    /// once, without touching the network, when Redis cannot be used now; and when it fails, is too slow, or holds
    /// nothing usable.
    /// </summary>
    public ValueTask<CachedResponse?> FindAsync(string route, string path, string query, string? identity, HttpRequest request)
    {
        var database = Usable();
        return database is null ? default : new ValueTask<CachedResponse?>(FindCoreAsync(database, route, path, query, identity, request));
    }

    private async Task<CachedResponse?> FindCoreAsync(IDatabase database, string route, string path, string query, string? identity, HttpRequest request)
    {
        var shared = database.HashGetAllAsync(EntryKey(_prefix, path, query, null));
        var own = identity is null ? null : database.HashGetAllAsync(EntryKey(_prefix, path, query, identity));
        Task both = own is null ? shared : Task.WhenAll(shared, own);
        try
        {
            await both.WaitAsync(_timeout);
        }
        catch (TimeoutException)
        {
            _ = both.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            MarkUnavailable($"no answer within {_timeout.TotalMilliseconds:0} ms", backOff: true);
            return null;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            MarkUnavailable(ex.GetType().Name, backOff: false);
            return null;
        }

        MarkAvailable();
        var best = Pick(await shared, null, route, path, query, identity, request, null);
        return own is null ? best : Pick(await own, identity, route, path, query, identity, request, best);
    }

    /// <summary>The newest readable entry of <paramref name="fields"/> bound as its hash says (<paramref name="boundTo"/>) that selects the request.</summary>
    private CachedResponse? Pick(
        HashEntry[] fields, string? boundTo, string route, string path, string query, string? identity, HttpRequest request, CachedResponse? best)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            var value = (ReadOnlyMemory<byte>)fields[i].Value;
            var entry = CachedResponseFormat.Read(value.Span, route);
            if (entry is null)
            {
                Log.Unreadable(_logger, path);
                continue;
            }

            // A value under a key it does not belong to (written there by something else) is never served.
            if (!string.Equals(entry.Path, path, StringComparison.Ordinal) || !string.Equals(entry.Identity, boundTo, StringComparison.Ordinal)
                || !entry.Selects(query, identity, request))
            {
                continue;
            }

            if (best is null || entry.ResponseTime > best.ResponseTime)
            {
                best = entry;
            }
        }

        return best;
    }

    /// <summary>How long Redis keeps <paramref name="entry"/>: what is left of its freshness plus the longest stale allowance; zero when nothing.</summary>
    internal static TimeSpan TimeToLive(CachedResponse entry, DateTimeOffset now)
    {
        var remaining = entry.FreshnessLifetime - entry.Age(now);
        var allowance = TimeSpan.Zero;
        if (entry.StaleWhileRevalidate is { } revalidate && revalidate > allowance)
        {
            allowance = revalidate;
        }

        if (entry.StaleIfError is { } onError && onError > allowance)
        {
            allowance = onError;
        }

        if (entry.ETag is not null || entry.LastModified is not null)
        {
            // A stale entry with validators still saves the body: the service may answer 304.
            var validation = entry.FreshnessLifetime < ValidationMinimum ? ValidationMinimum : entry.FreshnessLifetime > ValidationMaximum ? ValidationMaximum : entry.FreshnessLifetime;
            if (validation > allowance)
            {
                allowance = validation;
            }
        }

        var total = (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) + allowance;
        return total < TimeSpan.FromSeconds(1) ? TimeSpan.Zero : total;
    }

    private static readonly TimeSpan ValidationMinimum = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ValidationMaximum = TimeSpan.FromHours(1);

    /// <summary>Writes <paramref name="entry"/> to Redis on the thread pool (serialising it there too); nothing when Redis cannot be used now.</summary>
    public void StoreInBackground(CachedResponse entry)
    {
        if (Usable() is null)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Cache.WriteAsync(state.Entry), (Cache: this, Entry: entry), preferLocal: false);
    }

    private async Task WriteAsync(CachedResponse entry)
    {
        var database = Usable();
        var ttl = TimeToLive(entry, _time.GetUtcNow());
        if (database is null || ttl <= TimeSpan.Zero)
        {
            return;
        }

        RedisKey[] keys = [EntryKey(_prefix, entry.Path, entry.Query, entry.Identity), IndexKey(_prefix, entry.Path)];
        RedisValue[] arguments = [VariantField(entry.SelectingNames, entry.SelectingValues), CachedResponseFormat.Write(entry), (long)Math.Ceiling(ttl.TotalMilliseconds)];
        var pending = database.ScriptEvaluateAsync(StoreScript, keys, arguments);
        try
        {
            await pending.WaitAsync(WriteTimeout);
        }
        catch (TimeoutException)
        {
            _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            MarkUnavailable($"a write took longer than {WriteTimeout.TotalSeconds:0} s", backOff: true);
            return;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            MarkUnavailable(ex.GetType().Name, backOff: false);
            return;
        }

        MarkAvailable();
        Written?.Invoke(entry);
    }

    /// <summary>
    /// Removes every stored response of <paramref name="paths"/> from Redis and tells the other replicas to drop
    /// theirs; waits at most the lookup timeout. When Redis cannot be reached, the paths are sent when it returns.
    /// </summary>
    public async ValueTask InvalidateAsync(string[] paths)
    {
        var database = Usable();
        if (database is null)
        {
            if (Enabled)
            {
                Remember(paths);
            }

            return;
        }

        var pending = RemoveAndAnnounceAsync(database, paths);
        try
        {
            await pending.WaitAsync(_timeout);
            MarkAvailable();
        }
        catch (TimeoutException)
        {
            // It goes on in the background; the client is not kept waiting.
            _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            Remember(paths);
            MarkUnavailable(ex.GetType().Name, backOff: false);
        }
    }

    private async Task RemoveAndAnnounceAsync(IDatabase database, string[] paths)
    {
        var keys = new RedisKey[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            keys[i] = IndexKey(_prefix, paths[i]);
        }

        await database.ScriptEvaluateAsync(RemoveScript, keys);
        await _connection!.GetSubscriber().PublishAsync(_channel, string.Concat(_instance, "\ni", string.Join('\n', paths)));
    }

    /// <summary>
    /// Removes every stored response whose path starts with <paramref name="prefix"/> (everything for an empty one)
    /// from Redis and tells the other replicas to drop theirs; the number of variants removed, or null when Redis is
    /// configured but could not be purged (the caller still empties its memory tier).
    /// </summary>
    public async Task<int?> PurgeAsync(string prefix)
    {
        var database = Usable();
        if (database is null)
        {
            if (Enabled)
            {
                Interlocked.Exchange(ref _purgeAllPending, 1);
            }

            return Enabled ? null : 0;
        }

        using var cancellation = new CancellationTokenSource(PurgeTimeout);
        try
        {
            var removed = await PurgeCoreAsync(database, prefix, cancellation.Token);
            await _connection!.GetSubscriber().PublishAsync(_channel, string.Concat(_instance, "\np", prefix));
            MarkAvailable();
            return removed;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            Interlocked.Exchange(ref _purgeAllPending, 1);
            MarkUnavailable(ex.GetType().Name, backOff: false);
            return null;
        }
    }

    private async Task<int> PurgeCoreAsync(IDatabase database, string prefix, CancellationToken cancellationToken)
    {
        var pattern = string.Concat(EscapeGlob(_prefix), "i{", EscapeGlob(prefix), "*");
        var removed = 0;
        var batch = new List<RedisKey>(100);
        foreach (var endpoint in _connection!.GetEndPoints())
        {
            var server = _connection.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(database.Database, pattern, pageSize: 250).WithCancellation(cancellationToken))
            {
                batch.Add(key);
                if (batch.Count == 100)
                {
                    removed += (int)await database.ScriptEvaluateAsync(RemoveScript, [.. batch]);
                    batch.Clear();
                }
            }
        }

        if (batch.Count > 0)
        {
            removed += (int)await database.ScriptEvaluateAsync(RemoveScript, [.. batch]);
        }

        return removed;
    }

    private static string EscapeGlob(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '?' or '[' or ']')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>Another replica invalidated paths or purged: this replica's memory tier drops the same.</summary>
    private void OnInvalidation(RedisChannel channel, RedisValue message)
    {
        var text = (string?)message;
        var separator = text?.IndexOf('\n', StringComparison.Ordinal) ?? -1;
        if (text is null || separator < 0 || separator + 1 >= text.Length || text.AsSpan(0, separator).SequenceEqual(_instance))
        {
            return;
        }

        var kind = text[separator + 1];
        var argument = text[(separator + 2)..];
        if (kind == 'i')
        {
            foreach (var path in argument.Split('\n'))
            {
                _memory.Invalidate(path);
            }
        }
        else if (kind == 'p')
        {
            _memory.Purge(argument);
        }

        InvalidationApplied?.Invoke();
    }

    private void Remember(string[] paths)
    {
        foreach (var path in paths)
        {
            if (Interlocked.Increment(ref _pendingCount) > MaxPendingInvalidations)
            {
                Interlocked.Exchange(ref _purgeAllPending, 1);
                return;
            }

            _pending.Enqueue(path);
        }
    }

    /// <summary>Sends what could not reach Redis during the outage: the remembered invalidations, or a purge of everything.</summary>
    private async Task CatchUpAsync()
    {
        var database = Usable();
        if (database is null)
        {
            return;
        }

        try
        {
            if (Interlocked.Exchange(ref _purgeAllPending, 0) == 1)
            {
                using var cancellation = new CancellationTokenSource(PurgeTimeout);
                await PurgeCoreAsync(database, "", cancellation.Token);
                _pending.Clear();
                Interlocked.Exchange(ref _pendingCount, 0);
                return;
            }

            var paths = new List<string>();
            while (_pending.TryDequeue(out var path))
            {
                Interlocked.Decrement(ref _pendingCount);
                paths.Add(path);
            }

            if (paths.Count > 0)
            {
                await RemoveAndAnnounceAsync(database, [.. paths]).WaitAsync(WriteTimeout);
            }
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            Interlocked.Exchange(ref _purgeAllPending, 1);
            MarkUnavailable(ex.GetType().Name, backOff: false);
        }
    }

    /// <summary>The database when Redis may be used now: configured, connected, and not backing off after a slow answer.</summary>
    private IDatabase? Usable()
    {
        var database = _database;
        if (database is null)
        {
            return null;
        }

        if (!_connection!.IsConnected)
        {
            MarkUnavailable("disconnected", backOff: false);
            return null;
        }

        return Stopwatch.GetTimestamp() < Volatile.Read(ref _retryAt) ? null : database;
    }

    private void MarkUnavailable(string reason, bool backOff)
    {
        if (backOff)
        {
            Volatile.Write(ref _retryAt, Stopwatch.GetTimestamp() + RetryDelayTicks);
        }

        if (Interlocked.Exchange(ref _outage, 1) == 0)
        {
            Log.Unavailable(_logger, reason);
        }
    }

    private void MarkAvailable()
    {
        if (Volatile.Read(ref _outage) == 1 && Interlocked.Exchange(ref _outage, 0) == 1)
        {
            Log.Restored(_logger);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            MarkUnavailable(e.FailureType.ToString(), backOff: false);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            // Invalidations other replicas published meanwhile never arrived: what this replica holds may be outdated.
            _memory.Purge("");
            ThreadPool.UnsafeQueueUserWorkItem(static cache => _ = cache.SubscribeAsync(), this, preferLocal: false);
            return;
        }

        Volatile.Write(ref _retryAt, 0);
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            _memory.Purge("");
            MarkAvailable();
            ThreadPool.UnsafeQueueUserWorkItem(static cache => _ = cache.CatchUpAsync(), this, preferLocal: false);
            ThreadPool.UnsafeQueueUserWorkItem(static cache => _ = cache.SubscribeAsync(), this, preferLocal: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            _connection.ConnectionFailed -= OnConnectionFailed;
            _connection.ConnectionRestored -= OnConnectionRestored;
            await _connection.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9010, LogLevel.Information, "The response cache is shared through Redis at {Endpoint}")]
        public static partial void Connected(ILogger logger, string endpoint);

        [LoggerMessage(9011, LogLevel.Warning, "Redis is unavailable to the response cache ({Reason}); responses are cached in this replica's memory until it returns")]
        public static partial void Unavailable(ILogger logger, string reason);

        [LoggerMessage(9012, LogLevel.Information, "Redis is back; the response cache is shared again")]
        public static partial void Restored(ILogger logger);

        [LoggerMessage(9013, LogLevel.Debug, "A stored response for {Path} in Redis could not be read; treated as a miss")]
        public static partial void Unreadable(ILogger logger, string path);
    }
}
