using System.Collections.Concurrent;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// The authenticated connections of this replica, by session. A session's list is copied on change (rare) and read
/// without a lock by publishers (often).
/// </summary>
internal sealed class HubSessions
{
    private readonly ConcurrentDictionary<string, HubConnection[]> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _maxPerSession;

    public HubSessions(RealtimeOptions options) => _maxPerSession = options.MaxConnectionsPerSession;

    /// <summary>Raised (outside the lock) when a session gets its first connection on this replica.</summary>
    public event Action<string>? SessionOpened;

    /// <summary>Raised (outside the lock) when a session's last connection on this replica is gone.</summary>
    public event Action<string>? SessionClosed;

    public int SessionCount => _sessions.Count;

    /// <summary>Adds <paramref name="connection"/>; false when its session already holds the maximum.</summary>
    public bool TryAdd(HubConnection connection)
    {
        bool first;
        lock (_gate)
        {
            var current = _sessions.GetValueOrDefault(connection.SessionId) ?? [];
            if (current.Length >= _maxPerSession)
            {
                return false;
            }

            first = current.Length == 0;
            _sessions[connection.SessionId] = [.. current, connection];
        }

        if (first)
        {
            SessionOpened?.Invoke(connection.SessionId);
        }

        return true;
    }

    public void Remove(HubConnection connection)
    {
        bool last;
        lock (_gate)
        {
            if (!_sessions.TryGetValue(connection.SessionId, out var current) || Array.IndexOf(current, connection) < 0)
            {
                return;
            }

            if (current.Length == 1)
            {
                _sessions.TryRemove(connection.SessionId, out _);
                last = true;
            }
            else
            {
                var next = new HubConnection[current.Length - 1];
                var j = 0;
                foreach (var c in current)
                {
                    if (!ReferenceEquals(c, connection))
                    {
                        next[j++] = c;
                    }
                }

                _sessions[connection.SessionId] = next;
                last = false;
            }
        }

        if (last)
        {
            SessionClosed?.Invoke(connection.SessionId);
        }
    }

    /// <summary>The session's connections on this replica (empty when none).</summary>
    public HubConnection[] Of(string sessionId) => _sessions.GetValueOrDefault(sessionId) ?? [];

    /// <summary>True when the session has a connection on this replica.</summary>
    public bool Has(string sessionId) => _sessions.ContainsKey(sessionId);

    /// <summary>Every connection, session by session.</summary>
    public IEnumerable<HubConnection> All()
    {
        foreach (var (_, connections) in _sessions)
        {
            foreach (var connection in connections)
            {
                yield return connection;
            }
        }
    }

    /// <summary>Queues <paramref name="message"/> to each of the session's connections; the number of connections that exist.</summary>
    public int Deliver(string sessionId, HubMessage message)
    {
        if (!_sessions.TryGetValue(sessionId, out var connections))
        {
            return 0;
        }

        for (var i = 0; i < connections.Length; i++)
        {
            connections[i].TryEnqueue(message);
        }

        return connections.Length;
    }
}
