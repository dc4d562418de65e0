using System.Diagnostics;
using StackExchange.Redis;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// Rate-limit decisions shared by every replica through Redis: one atomic Lua script per request evaluates all the
/// policies that apply (GCRA against Redis' own clock, so replicas' clocks do not matter) and charges them only if
/// every one allows. The request path never waits on Redis' health: while disconnected, or for a second after a call
/// took longer than <see cref="RateLimitOptions.RedisTimeoutMilliseconds"/>, the caller is told to decide locally at
/// once; commands are never queued while reconnecting; an outage is logged once, and its end once.
/// </summary>
internal sealed partial class RedisRateLimitStore : IHostedService, IAsyncDisposable
{
    /// <summary>
    /// KEYS: one per policy. ARGV: pairs of (interval µs, limit). Returns {allowed, policy index (1-based),
    /// remaining, µs until the next request is allowed} for the refusing or most restrictive policy.
    /// </summary>
    internal const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local n = #KEYS
        local tats = {}
        for i = 1, n do
          local interval = tonumber(ARGV[2 * i - 1])
          local burst = interval * tonumber(ARGV[2 * i])
          local tat = tonumber(redis.call('GET', KEYS[i]) or now)
          if tat < now then tat = now end
          local new_tat = tat + interval
          local allow_at = new_tat - burst
          if allow_at > now then
            return {0, i, 0, math.ceil(allow_at - now)}
          end
          tats[i] = new_tat
        end
        local best, best_remaining, best_wait = 0, -1, 0
        for i = 1, n do
          local interval = tonumber(ARGV[2 * i - 1])
          local burst = interval * tonumber(ARGV[2 * i])
          local new_tat = tats[i]
          redis.call('SET', KEYS[i], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
          local remaining = math.floor((now + burst - new_tat) / interval)
          if best_remaining < 0 or remaining < best_remaining then
            best, best_remaining = i, remaining
            best_wait = 0
            if remaining <= 0 then best_wait = math.ceil(new_tat + interval - burst - now) end
          end
        end
        return {1, best, best_remaining, best_wait}
        """;

    private static readonly long RetryDelayTicks = Stopwatch.Frequency;

    private readonly ConfigurationOptions? _configuration;
    private readonly TimeSpan _timeout;
    private readonly string _prefix;
    private readonly ILogger<RedisRateLimitStore> _logger;
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private long _retryAt;
    private int _outage;

    public RedisRateLimitStore(IOptions<RateLimitOptions> options, ILogger<RedisRateLimitStore> logger)
    {
        var value = options.Value;
        _configuration = string.IsNullOrEmpty(value.Redis) ? null : RedisConnectionString.TryParse(value.Redis);
        _timeout = TimeSpan.FromMilliseconds(value.RedisTimeoutMilliseconds);
        _prefix = value.RedisKeyPrefix;
        _logger = logger;
    }

    /// <summary>True when Redis is configured (it may still be unreachable).</summary>
    public bool Enabled => _configuration is not null;

    /// <summary>The connection, once started (tests watch its state).</summary>
    internal IConnectionMultiplexer? Connection => _connection;

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
        if (_connection.IsConnected)
        {
            await LoadScriptAsync(_connection);
            Log.Connected(_logger, _configuration.EndPoints.Count > 0 ? _configuration.EndPoints[0].ToString() ?? "" : "");
        }
        else
        {
            MarkUnavailable("not connected at start", backOff: false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads the script on the server so that decisions send only its hash (EVALSHA), not its text.</summary>
    private static async Task LoadScriptAsync(ConnectionMultiplexer connection)
    {
        foreach (var endpoint in connection.GetEndPoints())
        {
            try
            {
                await connection.GetServer(endpoint).ScriptLoadAsync(Script);
            }
            catch (RedisException)
            {
                // Not fatal: the first decision sends the script itself.
            }
        }
    }

    /// <summary>
    /// Charges the request to every policy through Redis. Null (synchronously, without touching the network) when
    /// Redis cannot be used now, and null when it fails or is too slow: the caller then decides locally.
    /// </summary>
    public ValueTask<RateDecision?> DecideAsync(ClientKey key, RatePolicy[] policies)
    {
        var database = _database;
        if (database is null)
        {
            return default;
        }

        if (!_connection!.IsConnected)
        {
            MarkUnavailable("disconnected", backOff: false);
            return default;
        }

        if (Stopwatch.GetTimestamp() < Volatile.Read(ref _retryAt))
        {
            return default;
        }

        return new ValueTask<RateDecision?>(EvaluateAsync(database, key, policies));
    }

    private async Task<RateDecision?> EvaluateAsync(IDatabase database, ClientKey key, RatePolicy[] policies)
    {
        var client = key.ClientId is not null ? "c:" + key.ClientId : "a:" + key.Address.ToString("x", null);
        var keys = new RedisKey[policies.Length];
        var arguments = new RedisValue[policies.Length * 2];
        for (var i = 0; i < policies.Length; i++)
        {
            keys[i] = string.Concat(_prefix, "{", client, "}:", policies[i].Name);
            arguments[2 * i] = policies[i].IntervalMicroseconds;
            arguments[(2 * i) + 1] = policies[i].PerMinute;
        }

        var pending = database.ScriptEvaluateAsync(Script, keys, arguments);
        RedisResult result;
        try
        {
            result = await pending.WaitAsync(_timeout);
        }
        catch (TimeoutException)
        {
            _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            MarkUnavailable($"no answer within {_timeout.TotalMilliseconds:0} ms", backOff: true);
            return null;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            MarkUnavailable(ex.GetType().Name, backOff: false);
            return null;
        }

        var values = (RedisResult[])result!;
        if (values.Length != 4)
        {
            MarkUnavailable("unexpected script result", backOff: false);
            return null;
        }

        MarkAvailable();
        var policy = policies[(int)values[1] - 1];
        var allowed = (int)values[0] == 1;
        var remaining = Math.Max(0, (long)values[2]);
        var wait = TimeSpan.FromMicroseconds((long)values[3]);
        return new RateDecision(policy, allowed, remaining, wait);
    }

    /// <summary>
    /// Notes an outage (logged once). After a timeout Redis is left alone for a second, so a connected but silent
    /// server costs one request the timeout, not every request; failures while disconnected cost nothing, since
    /// <see cref="DecideAsync"/> checks the connection first and commands are never queued.
    /// </summary>
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
        // Try Redis again with the next request rather than after the back-off.
        Volatile.Write(ref _retryAt, 0);
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
        [LoggerMessage(3002, LogLevel.Information, "Rate limits are shared through Redis at {Endpoint}")]
        public static partial void Connected(ILogger logger, string endpoint);

        [LoggerMessage(3003, LogLevel.Warning, "Redis is unavailable ({Reason}); rate limits are enforced per instance until it returns")]
        public static partial void Unavailable(ILogger logger, string reason);

        [LoggerMessage(3004, LogLevel.Information, "Redis is back; rate limits are shared again")]
        public static partial void Restored(ILogger logger);
    }
}
