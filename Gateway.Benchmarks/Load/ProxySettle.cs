namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// Before each measured segment, waits until no proxy is busy. The proxies share one core, and a JIT build goes on
/// compiling after its load stops: on one CPU the runtime holds tier-1 compilation back until no new method has been
/// compiled for a second, and starts that delay again whenever a method runs for the first time (connection teardown,
/// a timer). A compiler thread still busy after its proxy's turn takes time slices from the next target and lands in
/// that target's slowest requests (what was seen: docs/performance.md, "The harness"). Each
/// segment starts after 3 s in which no proxy used more than a clock tick per quarter second, whichever target ran
/// before it, and <see cref="Interfering"/> names any other proxy that still used the core during a segment.
/// </summary>
internal static class ProxySettle
{
    /// <summary>Length of one observation.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);

    /// <summary>Consecutive quiet windows needed (3 s: the runtime's one-CPU tiering delay of 1 s, restarted at least once).</summary>
    public const int QuietWindows = 12;

    /// <summary>Share of a segment's time another proxy may use before the harness reports it (an idle proxy's timers stay far below).</summary>
    public const double InterferenceShare = 0.05;

    /// <summary>Observations before measuring anyway (15 s).</summary>
    public const int MaxWindows = 60;

    /// <summary>CPU a quiet proxy may use in one window: one clock tick, the resolution of <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public const double QuietCpuSeconds = 0.01;

    /// <summary>
    /// Observes every process's CPU time (seconds, null when unreadable) over consecutive windows until
    /// <paramref name="quietWindows"/> in a row in which none used more than <see cref="QuietCpuSeconds"/>; returns the
    /// windows it took, or null when that had not happened within <paramref name="maxWindows"/>.
    /// </summary>
    public static async Task<int?> WaitAsync(
        IReadOnlyList<Func<double?>> cpuSeconds, TimeSpan window, int quietWindows, int maxWindows, CancellationToken cancellationToken)
    {
        var before = Sample(cpuSeconds);
        var quietInARow = 0;
        for (var windows = 1; windows <= maxWindows; windows++)
        {
            await Task.Delay(window, cancellationToken);
            var after = Sample(cpuSeconds);
            var quiet = true;
            for (var i = 0; i < after.Length; i++)
            {
                if (before[i] is { } b && after[i] is { } a && a - b > QuietCpuSeconds + 1e-9)
                {
                    quiet = false;
                }
            }

            quietInARow = quiet ? quietInARow + 1 : 0;
            if (quietInARow == quietWindows)
            {
                return windows;
            }

            before = after;
        }

        return null;
    }

    /// <summary>
    /// The proxies other than <paramref name="measured"/> (indexes into the samples) that used more than
    /// <see cref="InterferenceShare"/> of <paramref name="elapsed"/> between the two samples, with the CPU seconds they used.
    /// </summary>
    public static List<(int Index, double CpuSeconds)> Interfering(double?[] before, double?[] after, int measured, TimeSpan elapsed)
    {
        var found = new List<(int, double)>();
        var limit = elapsed.TotalSeconds * InterferenceShare;
        for (var i = 0; i < after.Length; i++)
        {
            if (i != measured && before[i] is { } b && after[i] is { } a && a - b > limit)
            {
                found.Add((i, a - b));
            }
        }

        return found;
    }

    /// <summary>Every process's CPU seconds now (null where unreadable).</summary>
    public static double?[] Sample(IReadOnlyList<Func<double?>> cpuSeconds)
    {
        var values = new double?[cpuSeconds.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = cpuSeconds[i]();
        }

        return values;
    }
}
