using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// One endpoint of a route: the route under one version prefix (<c>/api/chat</c>, <c>/api/v1/chat</c>,
/// <c>/api/v2/chat</c>), with its pipeline of steps composed once, when the table was built. Attached to its endpoint
/// as metadata, so a request in flight keeps the route it started with when the table is replaced.
/// </summary>
internal sealed class GatewayRoute
{
    public GatewayRoute(RouteEntry entry, string template, string? version, PathTemplate pathTemplate, BodyHandling body)
    {
        Entry = entry;
        Template = template;
        Version = version;
        PathTemplate = pathTemplate;
        Body = body;
    }

    public RouteEntry Entry { get; }

    /// <summary>The route's name (<c>chat</c>).</summary>
    public string Name => Entry.Name;

    /// <summary>This endpoint's template; also the <c>endpoint</c> label of metrics.</summary>
    public string Template { get; }

    /// <summary>Methods the route accepts (HEAD wherever GET is).</summary>
    public string[] Methods => Entry.Methods;

    /// <summary>The version (<c>v1</c>, <c>v2</c>) of a versioned route; null for a route outside <c>/api/</c>.</summary>
    public string? Version { get; }

    /// <summary>True for the explicit prefixes (<c>/api/v1/...</c>, <c>/api/v2/...</c>), false for <c>/api/...</c>.</summary>
    public bool HasVersionPrefix => Version is not null && !ReferenceEquals(Template, Entry.Path);

    public PathTemplate PathTemplate { get; }

    /// <summary>The deprecation of this endpoint's version, when configured.</summary>
    public ApiVersionPolicy? VersionPolicy { get; init; }

    public BodyHandling Body { get; }

    /// <summary>The service the route goes to (a canary split may choose another per request).</summary>
    public UpstreamService Service => Entry.Service;

    /// <summary>The first step of the route's pipeline; the last one is the forwarder.</summary>
    public RouteStep Pipeline { get; internal set; } = null!;
}
