namespace PyAirtable.Gateway.Observability;

/// <summary>Live load of one service instance: requests in flight, and requests and failures since start.</summary>
internal sealed class InstanceStats
{
    private long _inFlight;
    private long _requests;
    private long _failures;

    public InstanceStats(string service, string url)
    {
        Service = service;
        Url = url;
    }

    public string Service { get; }

    /// <summary>The instance's base URL as configured.</summary>
    public string Url { get; }

    public long InFlight => Volatile.Read(ref _inFlight);

    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Forwards that ended in a 5xx from the instance, a connection failure or a timeout.</summary>
    public long Failures => Volatile.Read(ref _failures);

    public void Started()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _inFlight);
    }

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    public void Failed() => Interlocked.Increment(ref _failures);

    /// <summary>Whether <paramref name="url"/> (an upstream request URL) starts with this instance's base URL.</summary>
    public bool Owns(string url) =>
        url.StartsWith(Url, StringComparison.Ordinal) && (url.Length == Url.Length || url[Url.Length] is '/' or '?');
}
