using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Resilience;

/// <summary>The pooled response-headers timers: only a source that never fired nor was cancelled is handed out again.</summary>
public sealed class HeadersTimerPoolTests
{
    [Fact]
    public void Returned_Unfired_IsReusedDisarmed()
    {
        var pool = new HeadersTimerPool();
        var first = pool.Rent();
        first.CancelAfter(TimeSpan.FromMinutes(5));
        using var registration = first.Token.Register(static () => { });

        pool.Return(first);
        var second = pool.Rent();

        Assert.Same(first, second);
        Assert.False(second.IsCancellationRequested);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Returned_Cancelled_IsDisposedNotReused()
    {
        var pool = new HeadersTimerPool();
        var cancelled = pool.Rent();
        cancelled.Cancel();

        pool.Return(cancelled);
        var next = pool.Rent();

        Assert.NotSame(cancelled, next);
        Assert.False(next.IsCancellationRequested);
        Assert.Equal(0, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => cancelled.CancelAfter(1));
    }

    [Fact]
    public async Task Returned_AfterItsTimerFired_IsNotReused()
    {
        var pool = new HeadersTimerPool();
        var fired = pool.Rent();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = fired.Token.Register(() => cancelled.TrySetResult());
        fired.CancelAfter(TimeSpan.FromMilliseconds(1));
        await cancelled.Task.WithTimeout();

        pool.Return(fired);

        Assert.Equal(0, pool.Count);
        Assert.NotSame(fired, pool.Rent());
    }

    [Fact]
    public void Return_BeyondCapacity_Disposed()
    {
        var pool = new HeadersTimerPool(capacity: 2);
        var sources = new[] { pool.Rent(), pool.Rent(), pool.Rent() };

        foreach (var source in sources)
        {
            pool.Return(source);
        }

        Assert.Equal(2, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => sources[2].CancelAfter(1));
    }
}
