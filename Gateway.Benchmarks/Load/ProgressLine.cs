using System.Globalization;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>The one-line progress display: rewritten in place on a terminal, a line every few seconds otherwise.</summary>
internal sealed class ProgressLine(string label)
{
    private static readonly bool Interactive = !Console.IsErrorRedirected;
    private long _lastCompleted;
    private TimeSpan _lastElapsed;
    private TimeSpan? _lastPrinted;
    private readonly List<double> _rates = [];

    /// <summary>Keep each report's requests/s (for warm-up curves).</summary>
    public bool KeepSamples { get; init; }

    /// <summary>Requests/s of each reported interval, in order.</summary>
    public double[] SampleRates() => [.. _rates];

    public void Report(TimeSpan elapsed, long completed, long errors)
    {
        var seconds = (elapsed - _lastElapsed).TotalSeconds;
        var rate = seconds > 0 ? (completed - _lastCompleted) / seconds : 0;
        _lastCompleted = completed;
        _lastElapsed = elapsed;
        if (KeepSamples && seconds > 0.5)
        {
            _rates.Add(rate);
        }

        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"  {label,-36} {elapsed.TotalSeconds,6:F1} s {rate,10:N0} req/s  total {completed,10:N0}  errors {errors}");
        if (Interactive)
        {
            Console.Error.Write("\r" + text.PadRight(100));
        }
        else if (_lastPrinted is not { } printed || elapsed - printed >= TimeSpan.FromSeconds(5))
        {
            _lastPrinted = elapsed;
            Console.Error.WriteLine(text);
        }
    }

    /// <summary>Ends the in-place line so the next output starts on a fresh one.</summary>
    public static void Finish()
    {
        if (Interactive)
        {
            Console.Error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
