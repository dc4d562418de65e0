namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>Upper bounds for every awaited signal, so a hang fails fast instead of stalling the run.</summary>
internal static class Timeouts
{
    public static readonly TimeSpan Signal = TimeSpan.FromSeconds(10);

    public static Task WithTimeout(this Task task) => task.WaitAsync(Signal);

    public static Task<T> WithTimeout<T>(this Task<T> task) => task.WaitAsync(Signal);

    /// <summary>A task that completes when the token is cancelled (never faults).</summary>
    public static Task WhenCancelled(this CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), tcs);
        return tcs.Task;
    }
}
