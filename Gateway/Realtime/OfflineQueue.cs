namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// In-process messages for sessions without a connection: at most <see cref="RealtimeOptions.OfflineQueueLength"/> per
/// session (the oldest dropped first), each for at most <see cref="RealtimeOptions.OfflineQueueSeconds"/>; taken whole,
/// in order, by the session's next authenticated connection.
/// </summary>
internal sealed class OfflineQueue
{
    private readonly Dictionary<string, Queue<(long Expires, HubMessage Message)>> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _length;
    private readonly long _ageTicks;
    private long _count;
    private int _enqueues;

    public OfflineQueue(RealtimeOptions options, TimeProvider time)
    {
        _time = time;
        _length = options.OfflineQueueLength;
        _ageTicks = TimeSpan.FromSeconds(options.OfflineQueueSeconds).Ticks;
    }

    /// <summary>Messages held now.</summary>
    public long Count => Interlocked.Read(ref _count);

    public void Enqueue(string sessionId, HubMessage message)
    {
        if (_length == 0)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            if (!_sessions.TryGetValue(sessionId, out var queue))
            {
                _sessions[sessionId] = queue = new Queue<(long, HubMessage)>();
            }

            Prune(queue, now);
            if (queue.Count >= _length)
            {
                queue.Dequeue();
                Interlocked.Decrement(ref _count);
            }

            queue.Enqueue((now + _ageTicks, message));
            Interlocked.Increment(ref _count);
            if (++_enqueues % 1024 == 0)
            {
                Sweep(now);
            }
        }
    }

    /// <summary>The session's messages still in date, oldest first, and the queue emptied; null when there are none.</summary>
    public List<HubMessage>? TakeAll(string sessionId)
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            if (!_sessions.Remove(sessionId, out var queue))
            {
                return null;
            }

            Prune(queue, now);
            Interlocked.Add(ref _count, -queue.Count);
            var messages = new List<HubMessage>(queue.Count);
            foreach (var (_, message) in queue)
            {
                messages.Add(message);
            }

            return messages;
        }
    }

    private void Prune(Queue<(long Expires, HubMessage Message)> queue, long now)
    {
        while (queue.Count > 0 && queue.Peek().Expires <= now)
        {
            queue.Dequeue();
            Interlocked.Decrement(ref _count);
        }
    }

    private void Sweep(long now)
    {
        List<string>? empty = null;
        foreach (var (session, queue) in _sessions)
        {
            Prune(queue, now);
            if (queue.Count == 0)
            {
                (empty ??= []).Add(session);
            }
        }

        if (empty is not null)
        {
            foreach (var session in empty)
            {
                _sessions.Remove(session);
            }
        }
    }
}
