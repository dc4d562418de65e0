namespace PyAirtable.Gateway.Routing;

/// <summary>A configured service: its name, its instances' base URLs and the pooled invoker that reaches them.</summary>
internal sealed class UpstreamService
{
    private readonly string[] _instances;
    private uint _next;

    public UpstreamService(ServiceKind kind, string name, string configuredUrl, string[] instances, HttpMessageInvoker invoker)
    {
        Kind = kind;
        Name = name;
        ConfiguredUrl = configuredUrl;
        _instances = instances;
        Invoker = invoker;
    }

    public ServiceKind Kind { get; }

    /// <summary>The service's name in health reports, logs and metrics (<c>airtable-gateway</c>).</summary>
    public string Name { get; }

    /// <summary>The URL setting as given.</summary>
    public string ConfiguredUrl { get; }

    public IReadOnlyList<string> Instances => _instances;

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The base URL for the next forward (round robin over the instances).</summary>
    public string NextInstance()
    {
        var instances = _instances;
        return instances.Length == 1 ? instances[0] : instances[(int)(Interlocked.Increment(ref _next) % (uint)instances.Length)];
    }
}
