using System.Net;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// Time to steady throughput: starts a proxy cold on one core (so it sees one CPU and the runtime
/// stretches its tiering delays), loads it at once and records requests/s second by second.
/// </summary>
internal static class WarmupCurve
{
    private const double SteadyFraction = 0.9;

    public static async Task<WarmupCurveResult> MeasureAsync(
        string name, Func<ProxyProcess> start, byte[] request, string pathAndQuery, int connections, int seconds, CancellationToken cancellationToken)
    {
        using var process = start();
        TimeSpan ready;
        try
        {
            ready = await process.WaitReadyAsync(ProxyLauncher.ReadyPath, ProxyLauncher.StartTimeout, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return new WarmupCurveResult { Target = name, Unavailable = e.Message.Split(Environment.NewLine)[0] };
        }

        var target = new LoadTarget(name, new IPEndPoint(IPAddress.Loopback, process.Port), pathAndQuery, request, process);
        var progress = new ProgressLine($"{name} cold start, 1 core, c={connections}") { KeepSamples = true };
        var result = await LoadGenerator.RunAsync(target, connections, TimeSpan.FromSeconds(seconds), 0, progress, cancellationToken);
        ProgressLine.Finish();

        var series = progress.SampleRates();
        var tail = series.Skip(series.Length - Math.Max(3, series.Length / 5)).Order().ToArray();
        var plateau = tail.Length == 0 ? 0 : tail[tail.Length / 2];
        return new WarmupCurveResult
        {
            Target = name,
            Connections = connections,
            StartToReadySeconds = ready.TotalSeconds,
            RequestsPerSecondBySecond = series,
            PlateauRequestsPerSecond = plateau,
            SecondsToSteady = SecondsToSteady(series, plateau),
            Errors = result.Non2xx + result.SocketErrors,
        };
    }

    /// <summary>The first second from which every 3-second mean stays at or above 90 % of the plateau.</summary>
    private static double? SecondsToSteady(double[] series, double plateau)
    {
        if (series.Length < 3 || plateau <= 0)
        {
            return null;
        }

        double? steadyFrom = null;
        for (var i = 0; i + 3 <= series.Length; i++)
        {
            var mean = (series[i] + series[i + 1] + series[i + 2]) / 3;
            if (mean >= SteadyFraction * plateau)
            {
                steadyFrom ??= i;
            }
            else
            {
                steadyFrom = null;
            }
        }

        return steadyFrom;
    }
}
