using System.Net;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Something the load generator drives: the upstream itself, the gateway or YARP.</summary>
internal sealed class LoadTarget(string name, IPEndPoint endpoint, string pathAndQuery, byte[] request, ProxyProcess? process)
{
    public string Name { get; } = name;

    public IPEndPoint Endpoint { get; } = endpoint;

    /// <summary>The request target as sent (for reports).</summary>
    public string PathAndQuery { get; } = pathAndQuery;

    /// <summary>Pre-encoded request bytes.</summary>
    public byte[] Request { get; } = request;

    /// <summary>The proxy's process, or null for the direct target.</summary>
    public ProxyProcess? Process { get; } = process;

    /// <summary>Why the target was left out (it failed to start or to answer the probe request), or null.</summary>
    public string? Unavailable { get; set; }
}
