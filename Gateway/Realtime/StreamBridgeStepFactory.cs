using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// The streaming bridge on <c>POST /api/v2/chat</c> (to the orchestrator's <c>/chat/stream</c>, as <c>chat_stream</c>)
/// and <c>POST /api/v2/execute-tool</c> (to the MCP server's <c>/tools/execute</c>, as <c>tool_progress</c>). Only the
/// explicit v2 endpoints get it: v1 and the unversioned paths stay byte-for-byte pass-through. After the body step
/// (300), so the chat body it sees is already the orchestrator's.
/// </summary>
internal sealed class StreamBridgeStepFactory : IRouteStepFactory
{
    private readonly RealtimeHub _hub;
    private readonly HttpForwarder _forwarder;
    private readonly UpstreamServices _services;
    private readonly ILogger<StreamBridgeStep> _logger;

    public StreamBridgeStepFactory(RealtimeHub hub, HttpForwarder forwarder, UpstreamServices services, ILogger<StreamBridgeStep> logger)
    {
        _hub = hub;
        _forwarder = forwarder;
        _services = services;
        _logger = logger;
    }

    public int Order => 400;

    public RouteStep? Create(GatewayRoute route, RouteStep next)
    {
        if (route.Version != ApiVersions.V2 || !route.HasVersionPrefix)
        {
            return null;
        }

        return route.Name switch
        {
            "chat" when route.Body == BodyHandling.V2Chat =>
                new StreamBridgeStep(next, route, StreamBridgeStep.Kind.Chat, _hub, _forwarder, route.Service, _logger),
            "execute-tool" when route.Body == BodyHandling.JsonObject =>
                new StreamBridgeStep(next, route, StreamBridgeStep.Kind.Tool, _hub, _forwarder, _services[ServiceKind.McpServer], _logger),
            _ => null,
        };
    }
}
