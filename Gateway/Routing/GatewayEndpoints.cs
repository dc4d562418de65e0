namespace PyAirtable.Gateway.Routing;

/// <summary>The gateway's own endpoints a client may call (besides the routes), for <c>GET /</c> and the 404 body.</summary>
internal static class GatewayEndpoints
{
    public static readonly (string Method, string Path, string Description)[] Own =
    [
        ("GET", "/api/health", "Aggregated health of the services"),
        ("GET", "/", "Service information"),
        ("GET", "/livez", "Process liveness"),
        ("GET", "/readyz", "Readiness (503 while draining)"),
        ("GET", "/metrics", "Prometheus metrics"),
        ("GET", "/docs", "Interactive API documentation"),
        ("GET", "/openapi.json", "OpenAPI 3.1 document of API v1 (/openapi/v2.json: API v2)"),
        ("POST", "/graphql", "GraphQL over the services' operations (GET for queries)"),
    ];

    /// <summary>Their templates (a configured route may not take one).</summary>
    public static bool IsOwn(string template)
    {
        foreach (var (_, path, _) in Own)
        {
            if (string.Equals(path, template, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return template.StartsWith("/_gateway", StringComparison.OrdinalIgnoreCase) || template.StartsWith("/dashboard", StringComparison.OrdinalIgnoreCase)
            || template.StartsWith("/docs", StringComparison.OrdinalIgnoreCase) || template.StartsWith("/openapi", StringComparison.OrdinalIgnoreCase);
    }
}
