namespace PyAirtable.Gateway.Routing;

/// <summary>The services behind the gateway.</summary>
internal enum ServiceKind
{
    AirtableGateway,
    McpServer,
    LlmOrchestrator,

    /// <summary>A service declared by name in the route table's configuration (<c>Gateway:Services:&lt;Name&gt;</c>).</summary>
    Configured,
}
