using System.Collections.Concurrent;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Reusable cancellation sources for the response-headers timeout of forwards without a request body (most of them):
/// a source whose timer never fired is reset and handed out again, so such a forward creates no source, timer or
/// registration list of its own. A source that was cancelled (the timeout, or the client went away) or whose timer
/// was ever queued cannot be reset (<see cref="CancellationTokenSource.TryReset"/>) and is disposed instead.
/// Forwards with a body keep a fresh source each: the body may finish, and arm the timer, after the headers arrived.
/// </summary>
internal sealed class HeadersTimerPool
{
    private readonly ConcurrentQueue<CancellationTokenSource> _free = new();
    private readonly int _capacity;
    private int _count;

    public HeadersTimerPool(int capacity = 1024) => _capacity = capacity;

    /// <summary>Sources waiting to be reused.</summary>
    public int Count => Volatile.Read(ref _count);

    public CancellationTokenSource Rent()
    {
        if (_free.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _count);
            return source;
        }

        return new CancellationTokenSource();
    }

    /// <summary>Takes a source back once nothing holds its token or a registration on it any more.</summary>
    public void Return(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            if (Interlocked.Increment(ref _count) <= _capacity)
            {
                _free.Enqueue(source);
                return;
            }

            Interlocked.Decrement(ref _count);
        }

        source.Dispose();
    }
}
