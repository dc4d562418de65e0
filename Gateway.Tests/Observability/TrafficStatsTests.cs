using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>The dashboard's in-memory aggregates.</summary>
public sealed class TrafficStatsTests
{
    [Fact]
    public void Record_CountsPerRouteAndOverall()
    {
        var stats = new TrafficStats();

        stats.Record("/a", 200, 1.5, rateLimited: false);
        stats.Record("/a", 503, 40, rateLimited: false);
        stats.Record("/b", 429, 0.1, rateLimited: true);

        Assert.Equal(3, stats.TotalRequests);
        Assert.Equal(1, stats.TotalErrors);
        Assert.Equal(1, stats.TotalRateLimited);
        var series = stats.Series();
        Assert.Equal(TrafficStats.WindowSeconds, series.Length);
        Assert.Equal(3, series.Sum(s => s.Requests));
        var a = stats.Routes.Single(r => r.Endpoint == "/a");
        var bins = new long[TrafficStats.BinUpperMs.Length + 1];
        var window = a.Window(bins);
        Assert.Equal(2, window.Requests);
        Assert.Equal(1, window.Errors);
        Assert.Equal(2, bins.Sum());
    }

    [Fact]
    public void Percentile_FromBins_InterpolatesWithinTheBin()
    {
        var bins = new long[TrafficStats.BinUpperMs.Length + 1];
        for (var i = 0; i < 100; i++)
        {
            bins[TrafficStats.BinOf(i < 90 ? 4 : 80)]++;
        }

        var p50 = TrafficStats.Percentile(bins, 0.5)!.Value;
        var p95 = TrafficStats.Percentile(bins, 0.95)!.Value;

        Assert.InRange(p50, 3, 5);
        Assert.InRange(p95, 75, 100);
        Assert.Null(TrafficStats.Percentile(new long[bins.Length], 0.5));
    }

    [Theory]
    [InlineData(0.1, 0)]
    [InlineData(0.25, 0)]
    [InlineData(0.26, 1)]
    [InlineData(60000, 27)]
    [InlineData(100000, 28)]
    public void BinOf_BoundariesAreUpperInclusive(double ms, int bin) => Assert.Equal(bin, TrafficStats.BinOf(ms));
}
