using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// One limit of N requests per minute per client. Locally a partitioned token bucket (a burst of N, refilled at N per
/// minute); shared through Redis the same budget is kept by a GCRA script. Partitions whose
/// bucket has been full (idle) for a few seconds are evicted by the limiter's own timer, so memory follows the clients
/// active in the last minute, not every client ever seen.
/// </summary>
internal sealed class RatePolicy : IDisposable
{
    private static readonly string[] SmallNumbers = CreateSmallNumbers();

    private readonly PartitionedRateLimiter<ClientKey> _limiter;

    public RatePolicy(string name, int perMinute)
    {
        Name = name;
        PerMinute = perMinute;
        LimitText = perMinute.ToString(CultureInfo.InvariantCulture);
        IntervalMicroseconds = 60_000_000d / perMinute;
        var tokensPerPeriod = Math.Max(1, perMinute / 60);
        Period = TimeSpan.FromTicks(TimeSpan.FromMinutes(1).Ticks * tokensPerPeriod / perMinute);
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = Period,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
        // The factory is made once: a lambda inside the partitioner would allocate a delegate on every request.
        Func<ClientKey, RateLimiter> factory = _ => new TokenBucketRateLimiter(bucket);
        _limiter = PartitionedRateLimiter.Create<ClientKey, ClientKey>(key => new RateLimitPartition<ClientKey>(key, factory));
    }

    /// <summary>The policy's name, part of its Redis keys (the same on every replica with the same configuration).</summary>
    public string Name { get; }

    public int PerMinute { get; }

    public StringValues LimitText { get; }

    /// <summary>Time between two requests at the sustained rate, for the Redis script.</summary>
    public double IntervalMicroseconds { get; }

    /// <summary>How often the local bucket gains tokens.</summary>
    public TimeSpan Period { get; }

    /// <summary>Charges one request to <paramref name="key"/> in-process.</summary>
    public RateDecision TryAcquireLocal(ClientKey key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Period;
            return new RateDecision(this, false, 0, retryAfter);
        }

        var remaining = _limiter.GetStatistics(key)?.CurrentAvailablePermits ?? 0;
        return new RateDecision(this, true, remaining, remaining > 0 ? TimeSpan.Zero : Period);
    }

    /// <summary>A cached string for small non-negative numbers (remaining counts), so headers cost no allocation.</summary>
    public static string Format(long value) =>
        value >= 0 && value < SmallNumbers.Length ? SmallNumbers[value] : value.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _limiter.Dispose();

    private static string[] CreateSmallNumbers()
    {
        var numbers = new string[1001];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return numbers;
    }
}
