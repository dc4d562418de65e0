using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>The load generator's latency histogram: percentiles within its stated error, and merging loses nothing.</summary>
public sealed class LatencyHistogramTests
{
    private static readonly double[] Percentiles = [0, 1, 10, 50, 90, 99, 99.9, 99.99, 100];

    [Fact]
    public void ValueAtPercentile_Empty_Zero()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.ValueAtPercentile(50));
        Assert.Equal(0, histogram.Count);
    }

    [Fact]
    public void ValueAtPercentile_SmallValues_Exact()
    {
        var histogram = new LatencyHistogram();
        for (var value = 0; value < 256; value++)
        {
            histogram.Record(value);
        }

        Assert.Equal(0, histogram.ValueAtPercentile(0));
        Assert.Equal(127, histogram.ValueAtPercentile(50));
        Assert.Equal(255, histogram.ValueAtPercentile(100));
    }

    [Fact]
    public void ValueAtPercentile_LogNormalLatencies_WithinStatedError()
    {
        var random = new Random(20261127);
        var values = new long[200_000];
        var histogram = new LatencyHistogram();
        for (var i = 0; i < values.Length; i++)
        {
            // Around 100 µs with a long tail up to tens of milliseconds, in nanoseconds.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = (long)Math.Exp(11.5 + (1.2 * normal));
            histogram.Record(values[i]);
        }

        Array.Sort(values);
        foreach (var percentile in Percentiles)
        {
            var rank = Math.Clamp((long)Math.Ceiling(percentile / 100 * values.Length), 1, values.Length);
            var exact = values[rank - 1];
            var measured = histogram.ValueAtPercentile(percentile);
            Assert.True(
                Math.Abs(measured - exact) <= exact * 0.008,
                $"p{percentile}: histogram {measured} ns, exact {exact} ns");
        }

        Assert.Equal(values[0], histogram.MinNanoseconds);
        Assert.Equal(values[^1], histogram.MaxNanoseconds);
        Assert.Equal(values.Average(v => (double)v), histogram.MeanNanoseconds, 1e-6 * histogram.MeanNanoseconds);
    }

    [Fact]
    public void Add_PerWorkerHistograms_SameAsOne()
    {
        var random = new Random(7);
        var whole = new LatencyHistogram();
        var parts = new[] { new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram() };
        for (var i = 0; i < 30_000; i++)
        {
            var value = random.NextInt64(50, 50_000_000);
            whole.Record(value);
            parts[i % parts.Length].Record(value);
        }

        var merged = new LatencyHistogram();
        foreach (var part in parts)
        {
            merged.Add(part);
        }

        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.MinNanoseconds, merged.MinNanoseconds);
        Assert.Equal(whole.MaxNanoseconds, merged.MaxNanoseconds);
        foreach (var percentile in Percentiles)
        {
            Assert.Equal(whole.ValueAtPercentile(percentile), merged.ValueAtPercentile(percentile));
        }
    }

    [Fact]
    public void Record_OutOfRange_ClampedNotThrown()
    {
        var histogram = new LatencyHistogram();

        histogram.Record(-5);
        histogram.Record(long.MaxValue);

        Assert.Equal(2, histogram.Count);
        Assert.Equal(0, histogram.ValueAtPercentile(0));
        Assert.True(histogram.ValueAtPercentile(100) >= 1L << 39, "the largest value lands in the top bucket");
    }
}
