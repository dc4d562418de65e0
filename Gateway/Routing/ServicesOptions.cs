namespace PyAirtable.Gateway.Routing;

/// <summary>Where the three PyAirtable services live (section <c>Gateway:Services</c>).</summary>
internal sealed class ServicesOptions
{
    public const string Section = "Gateway:Services";

    /// <summary>Airtable Gateway base URL(s), comma-separated for several instances.</summary>
    public ServiceEndpointOptions AirtableGateway { get; set; } = new() { Url = "http://localhost:8002" };

    /// <summary>MCP server base URL(s); health-checked, not routed.</summary>
    public ServiceEndpointOptions McpServer { get; set; } = new() { Url = "http://localhost:8001" };

    /// <summary>LLM Orchestrator base URL(s).</summary>
    public ServiceEndpointOptions LlmOrchestrator { get; set; } = new() { Url = "http://localhost:8003" };
}

/// <summary>One service's instances.</summary>
internal sealed class ServiceEndpointOptions
{
    /// <summary>Base URL, or a comma-separated list of them.</summary>
    public string Url { get; set; } = "";

    /// <summary>Backup base URL(s), used only when no primary instance is usable.</summary>
    public string? BackupUrl { get; set; }
}
