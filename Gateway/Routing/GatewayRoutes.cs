namespace PyAirtable.Gateway.Routing;

/// <summary>The contract's route table.</summary>
internal static class GatewayRoutes
{
    private static readonly string[] Get = [HttpMethods.Get, HttpMethods.Head];
    private static readonly string[] Post = [HttpMethods.Post];
    private static readonly string[] Delete = [HttpMethods.Delete];

    public static readonly GatewayRoute Chat = new("chat", "/api/chat", Post, ServiceKind.LlmOrchestrator, "/api", "Chat with the LLM orchestrator (JSON object body; may stream)", requiresJsonObject: true, isChat: true);

    public static readonly GatewayRoute Tools = new("tools", "/api/tools", Get, ServiceKind.LlmOrchestrator, "/api", "List the orchestrator's tools");

    public static readonly GatewayRoute ExecuteTool = new("execute-tool", "/api/execute-tool", Post, ServiceKind.LlmOrchestrator, "/api", "Execute one tool (JSON object body)", requiresJsonObject: true);

    public static readonly GatewayRoute SessionHistory = new("session-history", "/api/sessions/{id}/history", Get, ServiceKind.LlmOrchestrator, "/api", "A chat session's history");

    public static readonly GatewayRoute DeleteSession = new("delete-session", "/api/sessions/{id}", Delete, ServiceKind.LlmOrchestrator, "/api", "Delete a chat session");

    public static readonly GatewayRoute Airtable = new(
        "airtable",
        "/api/airtable/{**path}",
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete],
        ServiceKind.AirtableGateway,
        "/api/airtable",
        "Airtable Gateway, same method and path");

    /// <summary>Every proxied route.</summary>
    public static readonly GatewayRoute[] All = [Chat, Tools, ExecuteTool, SessionHistory, DeleteSession, Airtable];

    /// <summary>Every endpoint a client can call, for <c>GET /</c> and the 404 body.</summary>
    public static readonly (string Method, string Path, string Description)[] Endpoints =
    [
        ("POST", "/api/chat", Chat.Description),
        ("GET", "/api/tools", Tools.Description),
        ("POST", "/api/execute-tool", ExecuteTool.Description),
        ("GET", "/api/sessions/{id}/history", SessionHistory.Description),
        ("DELETE", "/api/sessions/{id}", DeleteSession.Description),
        ("GET, POST, PUT, PATCH, DELETE", "/api/airtable/{path}", Airtable.Description),
        ("GET", "/api/health", "Aggregated health of the services"),
        ("GET", "/", "Service information"),
        ("GET", "/livez", "Process liveness"),
        ("GET", "/readyz", "Readiness (503 while draining)"),
        ("GET", "/metrics", "Prometheus metrics"),
        ("GET", "/docs", "Interactive API documentation"),
        ("GET", "/openapi.json", "OpenAPI 3.1 document of API v1 (/openapi/v2.json: API v2)"),
    ];
}
