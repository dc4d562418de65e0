namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>One measured stretch of load against one target.</summary>
internal sealed class SegmentResult(string target, int connections, double rate)
{
    public string Target { get; } = target;

    public int Connections { get; } = connections;

    /// <summary>Open-loop rate in requests per second; 0 for closed loop.</summary>
    public double Rate { get; } = rate;

    public LatencyHistogram Latency { get; } = new();

    public LatencyHistogram ServiceTime { get; } = new();

    public long Requests { get; set; }

    public long Non2xx { get; set; }

    public long SocketErrors { get; set; }

    public string? LastError { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>CPU seconds the proxy process used during the segment (null for direct).</summary>
    public double? ProxyCpuSeconds { get; set; }

    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Requests / Elapsed.TotalSeconds : 0;
}
