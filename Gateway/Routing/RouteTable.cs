namespace PyAirtable.Gateway.Routing;

/// <summary>
/// An immutable snapshot of the routes: every route (built-in and configured) compiled, the services they use, the
/// API versions' deprecation, a hash of the configuration it was built from and when it was loaded. Built and
/// validated whole by <see cref="RouteTableBuilder"/>; <see cref="RouteTableProvider"/> swaps it atomically.
/// </summary>
internal sealed class RouteTable
{
    public RouteTable(IReadOnlyList<RouteEntry> routes, IReadOnlyDictionary<string, UpstreamService> services, IReadOnlyList<ApiVersionPolicy> versions, string hash, DateTimeOffset loadedAt)
    {
        Routes = routes;
        Services = services;
        Versions = versions;
        Hash = hash;
        LoadedAt = loadedAt;
        var endpoints = new List<GatewayRoute>();
        foreach (var route in routes)
        {
            endpoints.AddRange(route.Endpoints);
        }

        Endpoints = endpoints;
    }

    /// <summary>Every route, built-in ones first in their order, then the configured ones.</summary>
    public IReadOnlyList<RouteEntry> Routes { get; }

    /// <summary>Every endpoint of every route.</summary>
    public IReadOnlyList<GatewayRoute> Endpoints { get; }

    /// <summary>The services by configuration name (the built-in three and those declared by name).</summary>
    public IReadOnlyDictionary<string, UpstreamService> Services { get; }

    /// <summary>Deprecation settings of the versions that have any.</summary>
    public IReadOnlyList<ApiVersionPolicy> Versions { get; }

    /// <summary>SHA-256 (hex) of the configuration the table was built from.</summary>
    public string Hash { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>The route with this name (ignoring case), or null.</summary>
    public RouteEntry? Find(string name)
    {
        foreach (var route in Routes)
        {
            if (string.Equals(route.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return route;
            }
        }

        return null;
    }

    /// <summary>The endpoint list of <c>GET /</c> and the 404 body: the routes (unversioned), then the gateway's own endpoints.</summary>
    public void WriteEndpoints(System.Text.Json.Utf8JsonWriter json)
    {
        json.WriteStartArray("endpoints");
        foreach (var route in Routes)
        {
            json.WriteStartObject();
            json.WriteString("method", string.Join(", ", Array.FindAll(route.Methods, static m => !HttpMethods.IsHead(m))));
            json.WriteString("path", route.Path.Replace("{**", "{", StringComparison.Ordinal));
            json.WriteString("description", route.Description);
            if (route.Versioned)
            {
                json.WriteString("versions", ApiVersions.Listed);
            }

            json.WriteEndObject();
        }

        foreach (var (method, path, description) in GatewayEndpoints.Own)
        {
            json.WriteStartObject();
            json.WriteString("method", method);
            json.WriteString("path", path);
            json.WriteString("description", description);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
