using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>The last step: the forwarder streams the request to the route's service and the answer back.</summary>
internal sealed class ForwardStep : RouteStep
{
    private readonly HttpForwarder _forwarder;
    private readonly GatewayRoute _route;

    public ForwardStep(HttpForwarder forwarder, GatewayRoute route)
        : base(null)
    {
        _forwarder = forwarder;
        _route = route;
    }

    public override string Name => "forward";

    public override Task InvokeAsync(HttpContext context, ForwardedContent? body) => _forwarder.ForwardAsync(context, _route, body);
}
