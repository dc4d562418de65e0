using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing;

/// <summary>The three services, built once from configuration, indexed by <see cref="ServiceKind"/>.</summary>
internal sealed class UpstreamServices
{
    public const string AirtableGatewayName = "airtable-gateway";
    public const string McpServerName = "mcp-server";
    public const string LlmOrchestratorName = "llm-orchestrator";

    /// <summary>The service names in <see cref="ServiceKind"/> order (also the named HTTP clients).</summary>
    public static readonly string[] Names = [AirtableGatewayName, McpServerName, LlmOrchestratorName];

    private readonly UpstreamService[] _services;

    public UpstreamServices(IOptions<ServicesOptions> options, IHttpMessageHandlerFactory handlers)
    {
        var o = options.Value;
        _services =
        [
            Create(ServiceKind.AirtableGateway, o.AirtableGateway, handlers),
            Create(ServiceKind.McpServer, o.McpServer, handlers),
            Create(ServiceKind.LlmOrchestrator, o.LlmOrchestrator, handlers),
        ];
    }

    public IReadOnlyList<UpstreamService> All => _services;

    public UpstreamService this[ServiceKind kind] => _services[(int)kind];

    private static UpstreamService Create(ServiceKind kind, ServiceEndpointOptions endpoint, IHttpMessageHandlerFactory handlers)
    {
        if (!ServiceUrls.TryParse(endpoint.Url, out var instances, out var problem))
        {
            throw new OptionsValidationException(ServicesOptions.Section, typeof(ServicesOptions), [problem]);
        }

        var name = Names[(int)kind];
        var invoker = new HttpMessageInvoker(handlers.CreateHandler(ForwardingClients.ForwarderClientName(name)), disposeHandler: false);
        return new UpstreamService(kind, name, endpoint.Url, instances, invoker);
    }
}
