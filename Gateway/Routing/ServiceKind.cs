namespace PyAirtable.Gateway.Routing;

/// <summary>The services behind the gateway.</summary>
internal enum ServiceKind
{
    AirtableGateway,
    McpServer,
    LlmOrchestrator,
}
