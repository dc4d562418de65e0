using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>The round-by-round ratio against YARP: rounds paired by number, the median and the range of the pairs.</summary>
public sealed class RoundRatioTests
{
    [Fact]
    public void Of_OddRounds_MedianOfThePairsNotOfTheRates()
    {
        // Merged, 60k against 60k would read 1.00; paired by round the target was faster in two rounds of three.
        var ratio = RoundRatio.Of([30_000, 10_000, 20_000], [20_000, 20_000, 20_000]);

        Assert.Equal(new RoundRatio(1.0, 0.5, 1.5), ratio);
    }

    [Fact]
    public void Of_EvenRounds_MeanOfTheMiddleTwo()
    {
        var ratio = RoundRatio.Of([10, 20, 30, 40], [10, 10, 10, 10]);

        Assert.Equal(new RoundRatio(2.5, 1.0, 4.0), ratio);
    }

    [Fact]
    public void Of_UnequalRoundCounts_OnlyRoundsBothRan()
    {
        var ratio = RoundRatio.Of([10, 20, 90], [10, 10]);

        Assert.Equal(new RoundRatio(1.5, 1.0, 2.0), ratio);
    }

    [Fact]
    public void Of_YarpRoundWithoutRequests_Skipped()
    {
        var ratio = RoundRatio.Of([10, 20], [0, 10]);

        Assert.Equal(new RoundRatio(2.0, 2.0, 2.0), ratio);
    }

    [Fact]
    public void Of_NoRounds_Null()
    {
        Assert.Null(RoundRatio.Of([], [10]));
        Assert.Null(RoundRatio.Of([10], [0]));
    }

    [Fact]
    public void Rounds_Formatted_MedianAndRange()
    {
        Assert.Equal("0.96 (0.73-1.36)", LoadReport.Rounds(new RoundRatio(0.96, 0.73, 1.36)));
        Assert.Equal("", LoadReport.Rounds(null));
    }
}
