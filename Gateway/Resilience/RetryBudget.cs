namespace PyAirtable.Gateway.Resilience;

/// <summary>
/// Bounds retries to a share of recent traffic (as Finagle's and Envoy's retry budgets do): over a sliding window
/// of ten one-second buckets, retries may reach <see cref="RetryOptions.BudgetPercent"/> of requests, plus
/// <see cref="RetryOptions.MinRetriesPerSecond"/> a second. When a service is down, retries stop multiplying its load.
/// </summary>
internal sealed class RetryBudget
{
    private const int Buckets = 10;

    private readonly long[] _second = new long[Buckets];
    private readonly long[] _requests = new long[Buckets];
    private readonly long[] _retries = new long[Buckets];
    private readonly double _ratio;
    private readonly long _reserve;
    private readonly Func<long> _clock;

    public RetryBudget(double budgetPercent, int minRetriesPerSecond, Func<long>? clockSeconds = null)
    {
        _ratio = budgetPercent / 100;
        _reserve = (long)minRetriesPerSecond * Buckets;
        _clock = clockSeconds ?? (static () => Environment.TickCount64 / 1000);
    }

    /// <summary>Counts a request that could be retried.</summary>
    public void Deposit() => Interlocked.Increment(ref _requests[Bucket()]);

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryWithdraw()
    {
        var now = _clock();
        long requests = 0, retries = 0;
        for (var i = 0; i < Buckets; i++)
        {
            if (now - Volatile.Read(ref _second[i]) < Buckets)
            {
                requests += Volatile.Read(ref _requests[i]);
                retries += Volatile.Read(ref _retries[i]);
            }
        }

        if (retries >= _reserve + (long)(requests * _ratio))
        {
            return false;
        }

        Interlocked.Increment(ref _retries[Bucket()]);
        return true;
    }

    private int Bucket()
    {
        var now = _clock();
        var index = (int)(now % Buckets);
        var stamp = Volatile.Read(ref _second[index]);
        if (stamp != now && Interlocked.CompareExchange(ref _second[index], now, stamp) == stamp)
        {
            Volatile.Write(ref _requests[index], 0);
            Volatile.Write(ref _retries[index], 0);
        }

        return index;
    }
}
