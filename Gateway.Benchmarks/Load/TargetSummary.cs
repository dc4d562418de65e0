namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>One row of the final table: a target's rounds merged for one mode and connection count.</summary>
internal sealed record TargetSummary
{
    public required string Target { get; init; }

    /// <summary><c>closed</c> or <c>open</c>.</summary>
    public required string Mode { get; init; }

    public required int Connections { get; init; }

    /// <summary>Open-loop target rate; 0 for closed loop.</summary>
    public double Rate { get; init; }

    public long Requests { get; init; }

    public double RequestsPerSecond { get; init; }

    public double P50Ms { get; init; }

    public double P90Ms { get; init; }

    public double P99Ms { get; init; }

    public double P999Ms { get; init; }

    public double MaxMs { get; init; }

    public double MeanMs { get; init; }

    /// <summary>Open loop: p50 and p99 of the time from actual send to response (the latency columns count from the intended send time).</summary>
    public double? ServiceP50Ms { get; init; }

    public double? ServiceP99Ms { get; init; }

    /// <summary>This target's p50 minus direct's p50 in the same mode and connection count.</summary>
    public double? AddedP50MsVsDirect { get; init; }

    /// <summary>This target's requests/s divided by YARP's in the same mode and connection count.</summary>
    public double? ThroughputVsYarp { get; init; }

    /// <summary>Round by round against YARP's round of the same number: the median ratio and its range.</summary>
    public RoundRatio? RoundsVsYarp { get; init; }

    public long Errors => Non2xx + SocketErrors;

    public long Non2xx { get; init; }

    public long SocketErrors { get; init; }

    public string? LastError { get; init; }

    public double? PeakRssMiB { get; init; }

    /// <summary>Proxy CPU seconds over the measured segments.</summary>
    public double? CpuSeconds { get; init; }

    public double? CpuMicrosecondsPerRequest { get; init; }

    public double[] RoundRequestsPerSecond { get; init; } = [];

    /// <summary>Why the target did not run, or null.</summary>
    public string? Unavailable { get; init; }
}
