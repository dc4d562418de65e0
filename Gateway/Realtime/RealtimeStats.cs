using System.Diagnostics.Metrics;
using System.Text.Json;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// The hub's counters: the contract's <c>/api/websocket/stats</c> object and the metrics on the gateway's meter
/// (<c>gateway_websocket_connections</c>, <c>gateway_websocket_messages_received</c>,
/// <c>gateway_websocket_messages_sent</c>, <c>gateway_websocket_drops{reason}</c>). Labels are fixed strings.
/// </summary>
internal sealed class RealtimeStats
{
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _drops;
    private long _total;
    private long _active;
    private long _messagesSent;
    private long _messagesReceived;
    private long _queued;
    private long _rateLimited;
    private long _authFailures;
    private long _overflows;

    public RealtimeStats(IMeterFactory meters)
    {
        var meter = meters.Create(GatewayMetrics.MeterName);
        _connections = meter.CreateUpDownCounter<long>("gateway_websocket_connections", description: "WebSocket connections open on the /ws hub now.");
        _received = meter.CreateCounter<long>("gateway_websocket_messages_received", description: "Client messages received on the /ws hub.");
        _sent = meter.CreateCounter<long>("gateway_websocket_messages_sent", description: "Server messages written to /ws hub connections.");
        _drops = meter.CreateCounter<long>("gateway_websocket_drops", description: "Hub connections closed by the gateway for a limit, by reason (send_queue_overflow, rate_limited, message_too_big, idle, auth_failed, connection_limit).");
    }

    /// <summary>Sessions with at least one connection on this replica (set by the session registry).</summary>
    public Func<int> ActiveSessions { get; set; } = static () => 0;

    /// <summary>Messages held for sessions without a connection (set by the offline queue).</summary>
    public Func<long> QueuedNow { get; set; } = static () => 0;

    public long TotalConnections => Interlocked.Read(ref _total);

    public long ActiveConnections => Interlocked.Read(ref _active);

    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    public long MessagesQueued => Interlocked.Read(ref _queued);

    public long RateLimitViolations => Interlocked.Read(ref _rateLimited);

    public long AuthenticationFailures => Interlocked.Read(ref _authFailures);

    public long SendQueueOverflows => Interlocked.Read(ref _overflows);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _total);
        Interlocked.Increment(ref _active);
        _connections.Add(1);
    }

    public void ConnectionClosed()
    {
        Interlocked.Decrement(ref _active);
        _connections.Add(-1);
    }

    public void MessageSent()
    {
        Interlocked.Increment(ref _messagesSent);
        _sent.Add(1);
    }

    public void MessageReceived()
    {
        Interlocked.Increment(ref _messagesReceived);
        _received.Add(1);
    }

    public void MessageQueued() => Interlocked.Increment(ref _queued);

    public void RateLimited()
    {
        Interlocked.Increment(ref _rateLimited);
        Drop("rate_limited");
    }

    public void AuthenticationFailed()
    {
        Interlocked.Increment(ref _authFailures);
        Drop("auth_failed");
    }

    public void SendQueueOverflowed()
    {
        Interlocked.Increment(ref _overflows);
        Drop("send_queue_overflow");
    }

    public void Drop(string reason) => _drops.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>The contract's stats object's members (the caller writes the braces).</summary>
    public void WriteMembers(Utf8JsonWriter json)
    {
        json.WriteNumber("total_connections", TotalConnections);
        json.WriteNumber("active_connections", ActiveConnections);
        json.WriteNumber("active_sessions", ActiveSessions());
        json.WriteNumber("messages_sent", MessagesSent);
        json.WriteNumber("messages_queued", QueuedNow());
        json.WriteNumber("rate_limit_violations", RateLimitViolations);
        json.WriteNumber("authentication_failures", AuthenticationFailures);
        json.WriteNumber("messages_received", MessagesReceived);
        json.WriteNumber("send_queue_overflows", SendQueueOverflows);
    }
}
