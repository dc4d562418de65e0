namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>Composes an endpoint's steps once: every factory's step in order, then the forwarder.</summary>
internal sealed class RoutePipeline
{
    private readonly IRouteStepFactory[] _factories;
    private readonly Forwarding.HttpForwarder _forwarder;

    public RoutePipeline(IEnumerable<IRouteStepFactory> factories, Forwarding.HttpForwarder forwarder)
    {
        _factories = [.. factories.OrderBy(static f => f.Order)];
        _forwarder = forwarder;
    }

    /// <summary>The first step of <paramref name="route"/>'s pipeline.</summary>
    public RouteStep Build(GatewayRoute route)
    {
        RouteStep step = new ForwardStep(_forwarder, route);
        for (var i = _factories.Length - 1; i >= 0; i--)
        {
            step = _factories[i].Create(route, step) ?? step;
        }

        return step;
    }

    /// <summary>The names of the steps, first to last (for <c>/_gateway/routes</c>).</summary>
    public static List<string> Names(RouteStep first)
    {
        var names = new List<string>();
        for (var step = first; step is not null; step = step.Next)
        {
            names.Add(step.Name);
        }

        return names;
    }
}
