using System.Numerics;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// Log-linear latency histogram over nanoseconds: exact below 256 ns, then 128 linear buckets per
/// power of two (relative error under 0.8 %), up to about 18 minutes. Not thread-safe: one per worker, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 8;
    private const int SubCount = 1 << SubBits;
    private const int Half = SubCount / 2;
    private const int MaxExponent = 40;
    private const long MaxValue = (1L << MaxExponent) - 1;

    private readonly long[] _counts = new long[SubCount + ((MaxExponent - SubBits) * Half)];

    public long Count { get; private set; }

    public long MinNanoseconds { get; private set; } = long.MaxValue;

    public long MaxNanoseconds { get; private set; }

    public double MeanNanoseconds => Count == 0 ? 0 : _sum / Count;

    private double _sum;

    public void Record(long nanoseconds)
    {
        var value = Math.Clamp(nanoseconds, 0, MaxValue);
        _counts[IndexOf(value)]++;
        Count++;
        _sum += value;
        if (value < MinNanoseconds)
        {
            MinNanoseconds = value;
        }

        if (value > MaxNanoseconds)
        {
            MaxNanoseconds = value;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _sum += other._sum;
        MinNanoseconds = Math.Min(MinNanoseconds, other.MinNanoseconds);
        MaxNanoseconds = Math.Max(MaxNanoseconds, other.MaxNanoseconds);
    }

    /// <summary>The value at a percentile (0–100), as the middle of its bucket; 0 when empty.</summary>
    public long ValueAtPercentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(percentile / 100.0 * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (low, width) = BucketOf(i);
                return Math.Clamp(low + (width / 2), MinNanoseconds, MaxNanoseconds);
            }
        }

        return MaxNanoseconds;
    }

    private static int IndexOf(long value)
    {
        if (value < SubCount)
        {
            return (int)value;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = msb - (SubBits - 1);
        return SubCount + ((shift - 1) * Half) + (int)((value >> shift) - Half);
    }

    private static (long Low, long Width) BucketOf(int index)
    {
        if (index < SubCount)
        {
            return (index, 1);
        }

        var k = index - SubCount;
        var shift = (k / Half) + 1;
        var top = (long)((k % Half) + Half);
        return (top << shift, 1L << shift);
    }
}
