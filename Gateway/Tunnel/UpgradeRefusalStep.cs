using Microsoft.AspNetCore.Http.Features;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Tunnel;

/// <summary>
/// On every route without the WebSocket policy: a request asking for a protocol upgrade (<c>Upgrade</c> with
/// <c>Connection: upgrade</c>) is refused with 400 before anything reaches the service, so the forwarder never
/// carries an upgraded connection. <c>Upgrade: h2c</c> is the exception: it is ignored and the request served over
/// HTTP/1.1, as RFC 9110 §7.8 allows (clients such as curl offer it on every cleartext request).
/// </summary>
internal sealed partial class UpgradeRefusalStep : RouteStep
{
    private readonly GatewayRoute _route;
    private readonly ILogger _logger;

    public UpgradeRefusalStep(GatewayRoute route, ILogger logger, RouteStep next)
        : base(next)
    {
        _route = route;
        _logger = logger;
    }

    public override string Name => "no-upgrade";

    public override Task InvokeAsync(HttpContext context, ForwardedContent? body)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
            && !WebSocketHandshake.IsH2c(context.Request.Headers.Upgrade.ToString()))
        {
            return RefuseAsync(context, _route, _logger, "This route does not accept protocol upgrades (WebSocket pass-through is off for it).");
        }

        return Next!.InvokeAsync(context, body);
    }

    /// <summary>400 problem+json with <paramref name="detail"/>; nothing is sent to the service.</summary>
    public static Task RefuseAsync(HttpContext context, GatewayRoute route, ILogger logger, string detail)
    {
        Log.Refused(logger, route.Name, context.TraceIdentifier, detail);
        return ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Upgrade refused", detail);
    }

    private static partial class Log
    {
        [LoggerMessage(7807, LogLevel.Debug, "Upgrade refused on route {Route}: {Reason} (request {RequestId})")]
        public static partial void Refused(ILogger logger, string route, string requestId, string reason);
    }
}
