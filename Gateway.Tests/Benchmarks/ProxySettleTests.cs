using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>
/// The harness waits for quiet proxies before each measured segment: enough consecutive windows in which no proxy used
/// more than a clock tick of CPU, and no longer than its limit. Windows of zero length keep these tests instantaneous.
/// </summary>
public sealed class ProxySettleTests
{
    [Fact]
    public async Task WaitAsync_BusyThenQuiet_ReturnsAfterTheQuietWindowsInARow()
    {
        // CPU seconds read at each observation: busy for three windows, quiet after, one tick (0.01 s) still counts as quiet.
        var busy = Reader(0, 0.2, 0.4, 0.6, 0.6, 0.61, 0.61, 0.62, 0.62);
        var idle = Reader(1, 1, 1, 1, 1, 1, 1, 1, 1);

        var windows = await ProxySettle.WaitAsync([busy, idle], TimeSpan.Zero, quietWindows: 5, maxWindows: 20, CancellationToken.None);

        Assert.Equal(8, windows);
    }

    [Fact]
    public async Task WaitAsync_QuietRunBrokenByABurst_StartsCountingAgain()
    {
        // Quiet, quiet, then 0.05 s in one window (the delayed JIT burst), then quiet.
        var proxy = Reader(0, 0, 0, 0.05, 0.05, 0.05, 0.05);

        var windows = await ProxySettle.WaitAsync([proxy], TimeSpan.Zero, quietWindows: 3, maxWindows: 20, CancellationToken.None);

        Assert.Equal(6, windows);
    }

    [Fact]
    public async Task WaitAsync_NeverQuiet_GivesUpAtTheLimit()
    {
        var cpu = 0.0;
        Func<double?> spinning = () => cpu += 0.1;

        var windows = await ProxySettle.WaitAsync([spinning], TimeSpan.Zero, quietWindows: 2, maxWindows: 10, CancellationToken.None);

        Assert.Null(windows);
        Assert.Equal(1.1, cpu, precision: 6);
    }

    [Fact]
    public async Task WaitAsync_ProcessGone_DoesNotHoldTheRunBack()
    {
        Func<double?> gone = static () => null;

        var windows = await ProxySettle.WaitAsync([gone], TimeSpan.Zero, quietWindows: 2, maxWindows: 10, CancellationToken.None);

        Assert.Equal(2, windows);
    }

    [Fact]
    public void Interfering_NamesOnlyOtherProxiesAboveTheirShareOfTheSegment()
    {
        // An 8 s segment of proxy 0: proxy 1's JIT burst (0.72 s) is named; proxy 2's idle timers (0.16 s, 2 %) are
        // not; the measured proxy's own CPU never is; a process that could not be read is skipped.
        double?[] before = [10, 20, 30, 40];
        double?[] after = [18, 20.72, 30.16, null];

        var found = ProxySettle.Interfering(before, after, measured: 0, TimeSpan.FromSeconds(8));

        var (index, cpuSeconds) = Assert.Single(found);
        Assert.Equal(1, index);
        Assert.Equal(0.72, cpuSeconds, precision: 6);
    }

    [Fact]
    public void Interfering_TheLimitScalesWithTheSegment()
    {
        // 0.3 s is 7.5 % of a 4 s segment but 3 % of a 10 s one.
        double?[] before = [0, 0];
        double?[] after = [4, 0.3];

        Assert.Single(ProxySettle.Interfering(before, after, measured: 0, TimeSpan.FromSeconds(4)));
        Assert.Empty(ProxySettle.Interfering(before, after, measured: 0, TimeSpan.FromSeconds(10)));
    }

    private static Func<double?> Reader(params double[] values)
    {
        var next = 0;
        return () => values[Math.Min(next++, values.Length - 1)];
    }
}
