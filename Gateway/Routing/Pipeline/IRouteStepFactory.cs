namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>
/// Makes one kind of step for the endpoints that need it; the extension point of the pipeline. Registered in the
/// container; <see cref="RoutePipeline"/> asks every factory, in <see cref="Order"/>, when a table is built. A new
/// per-route feature (a response cache, WebSocket pass-through) adds a factory and reads its settings from the
/// route, without touching the forwarder.
/// </summary>
internal interface IRouteStepFactory
{
    /// <summary>Position in the pipeline: lower runs first. Versions 100, body 300; the forwarder is always last.</summary>
    int Order { get; }

    /// <summary>The step for <paramref name="route"/> in front of <paramref name="next"/>, or null when the route needs none.</summary>
    RouteStep? Create(GatewayRoute route, RouteStep next);
}
