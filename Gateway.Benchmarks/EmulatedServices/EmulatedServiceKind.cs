namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>Which fake PyAirtable service a host plays.</summary>
internal enum EmulatedServiceKind
{
    /// <summary>The Airtable gateway service: echoes any request as JSON, plus the fast bench endpoints.</summary>
    AirtableGateway,

    /// <summary>The MCP server: health only (the gateway probes it, never routes to it).</summary>
    McpServer,

    /// <summary>The LLM orchestrator: streaming chat, tools, sessions.</summary>
    LlmOrchestrator,

    /// <summary>The load harness's fast upstream: health and the bench endpoints only, nothing echoed.</summary>
    BenchUpstream,
}
