namespace PyAirtable.Gateway.Realtime;

/// <summary>The <c>/ws</c> hub's limits (section <c>Gateway:Realtime</c>); the defaults are the contract's.</summary>
internal sealed class RealtimeOptions
{
    public const string Section = "Gateway:Realtime";

    /// <summary>Connections one session may hold at once; the next is closed 1008 <c>Connection limit exceeded</c>.</summary>
    public int MaxConnectionsPerSession { get; set; } = 5;

    /// <summary>Client messages one connection may send per minute; more get an <c>error</c> <c>rate_limited</c>.</summary>
    public int MessagesPerMinute { get; set; } = 100;

    /// <summary>Largest client message in bytes (all its frames); a larger one closes the connection with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Seconds without any client frame before the connection is closed.</summary>
    public double IdleTimeoutSeconds { get; set; } = 300;

    /// <summary>Seconds a new connection has to authenticate.</summary>
    public double AuthTimeoutSeconds { get; set; } = 10;

    /// <summary>Messages kept for a session without a connection; the oldest go first.</summary>
    public int OfflineQueueLength { get; set; } = 1000;

    /// <summary>Seconds a message is kept for a session without a connection.</summary>
    public double OfflineQueueSeconds { get; set; } = 3600;

    /// <summary>Messages waiting to be written to one connection; a client that falls further behind is closed with 1008.</summary>
    public int SendQueueLength { get; set; } = 256;

    /// <summary>Prefix of the Redis channels and keys of the hub (with <c>REDIS_URL</c>).</summary>
    public string RedisKeyPrefix { get; set; } = "gateway:ws:";
}
