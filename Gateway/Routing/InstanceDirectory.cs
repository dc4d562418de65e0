namespace PyAirtable.Gateway.Routing;

/// <summary>
/// Instances by authority (<c>scheme://host:port</c>), so a per-authority circuit breaker can report its state to
/// the instances it guards. Filled once when the services are built.
/// </summary>
internal sealed class InstanceDirectory
{
    private readonly Dictionary<string, List<UpstreamInstance>> _byAuthority = new(StringComparer.Ordinal);

    public void Add(UpstreamInstance instance)
    {
        lock (_byAuthority)
        {
            if (!_byAuthority.TryGetValue(instance.Authority, out var list))
            {
                _byAuthority[instance.Authority] = list = [];
            }

            list.Add(instance);
        }
    }

    /// <summary>Applies <paramref name="update"/> to every instance at the request's authority.</summary>
    public void Update(Uri? requestUri, Action<UpstreamInstance> update)
    {
        if (requestUri is null)
        {
            return;
        }

        List<UpstreamInstance>? instances;
        lock (_byAuthority)
        {
            _byAuthority.TryGetValue(UpstreamInstance.AuthorityOf(requestUri), out instances);
        }

        if (instances is null)
        {
            return;
        }

        foreach (var instance in instances)
        {
            update(instance);
        }
    }
}
