namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>What one load-generator connection counted; written by its worker only, read for progress.</summary>
internal sealed class WorkerStats
{
    private long _completed;
    private long _errors;

    public LatencyHistogram Latency { get; } = new();

    /// <summary>Open loop only: time from actual send to response, next to the latency from the intended send time.</summary>
    public LatencyHistogram ServiceTime { get; } = new();

    public long Completed => Volatile.Read(ref _completed);

    /// <summary>Non-2xx responses plus socket/protocol failures.</summary>
    public long Errors => Volatile.Read(ref _errors);

    public long Non2xx { get; private set; }

    public long SocketErrors { get; private set; }

    public string? LastError { get; private set; }

    public void RecordResponse(int statusCode, long latencyNanoseconds)
    {
        Latency.Record(latencyNanoseconds);
        Volatile.Write(ref _completed, _completed + 1);
        if (statusCode is < 200 or > 299)
        {
            Non2xx++;
            LastError = $"HTTP {statusCode}";
            Volatile.Write(ref _errors, _errors + 1);
        }
    }

    public void RecordFailure(string error)
    {
        SocketErrors++;
        LastError = error;
        Volatile.Write(ref _errors, _errors + 1);
    }
}
