namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Throughput second by second after a cold start on one core.</summary>
internal sealed record WarmupCurveResult
{
    public required string Target { get; init; }

    public int Connections { get; init; }

    /// <summary>Process start until the first answer to the readiness probe.</summary>
    public double StartToReadySeconds { get; init; }

    public double[] RequestsPerSecondBySecond { get; init; } = [];

    /// <summary>Median throughput over the last fifth of the curve.</summary>
    public double PlateauRequestsPerSecond { get; init; }

    /// <summary>Seconds of load after which the 3-second mean stays at or above 90 % of the plateau; null if never.</summary>
    public double? SecondsToSteady { get; init; }

    public long Errors { get; init; }

    public string? Unavailable { get; init; }
}
