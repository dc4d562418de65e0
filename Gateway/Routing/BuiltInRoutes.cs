namespace PyAirtable.Gateway.Routing;

/// <summary>
/// The contract's routes, declared as data in exactly the shape an operator uses under <c>Gateway:Routes</c>
/// (docs/routes.md). They are the bottom layer of the route table: a configured route with the same name overrides
/// them field by field (a field given replaces the built-in one whole), <c>"Enabled": false</c> removes one.
/// </summary>
internal static class BuiltInRoutes
{
    /// <summary>The defaults, as a configuration file would hold them under <c>Gateway:Routes</c>.</summary>
    public const string Json = """
        {
          "chat": {
            "Path": "/api/chat",
            "Methods": [ "POST" ],
            "Service": "LlmOrchestrator",
            "UpstreamPath": "/chat",
            "Body": "json-object",
            "Versions": { "v2": { "Body": "v2-chat" } },
            "RateLimitPolicy": "chat",
            "Description": "Chat with the LLM orchestrator (JSON object body; may stream)"
          },
          "tools": {
            "Path": "/api/tools",
            "Methods": [ "GET" ],
            "Service": "LlmOrchestrator",
            "UpstreamPath": "/tools",
            "Cache": { "Enabled": true },
            "Description": "List the orchestrator's tools"
          },
          "execute-tool": {
            "Path": "/api/execute-tool",
            "Methods": [ "POST" ],
            "Service": "LlmOrchestrator",
            "UpstreamPath": "/execute-tool",
            "Body": "json-object",
            "Description": "Execute one tool (JSON object body)"
          },
          "session-history": {
            "Path": "/api/sessions/{id}/history",
            "Methods": [ "GET" ],
            "Service": "LlmOrchestrator",
            "UpstreamPath": "/sessions/{id}/history",
            "Description": "A chat session's history"
          },
          "delete-session": {
            "Path": "/api/sessions/{id}",
            "Methods": [ "DELETE" ],
            "Service": "LlmOrchestrator",
            "UpstreamPath": "/sessions/{id}",
            "Description": "Delete a chat session"
          },
          "airtable": {
            "Path": "/api/airtable/{**path}",
            "Methods": [ "GET", "POST", "PUT", "PATCH", "DELETE" ],
            "Service": "AirtableGateway",
            "UpstreamPath": "/{**path}",
            "Cache": { "Enabled": true },
            "Description": "Airtable Gateway, same method and path"
          }
        }
        """;

    /// <summary>The names of the built-in routes, in table order.</summary>
    public static readonly string[] Names = ["chat", "tools", "execute-tool", "session-history", "delete-session", "airtable"];

    private static readonly Lazy<IConfiguration> Parsed = new(static () =>
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Json), writable: false);
        var root = new ConfigurationBuilder().AddJsonStream(stream).Build();
        return root;
    });

    /// <summary>The defaults as configuration (keys relative to <c>Gateway:Routes</c>).</summary>
    public static IConfiguration Configuration => Parsed.Value;

    /// <summary>The built-in route with this path template (ignoring case), for the older per-template settings.</summary>
    public static RouteDefinition? FindByPath(string? template)
    {
        foreach (var route in Definitions.Value)
        {
            if (string.Equals(route.Path, template, StringComparison.OrdinalIgnoreCase))
            {
                return route;
            }
        }

        return null;
    }

    /// <summary>The built-in route with this name (ignoring case).</summary>
    public static RouteDefinition? FindByName(string? name)
    {
        foreach (var route in Definitions.Value)
        {
            if (string.Equals(route.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return route;
            }
        }

        return null;
    }

    /// <summary>A built-in route's methods, HEAD included wherever GET is.</summary>
    public static string[] MethodsOf(RouteDefinition route) =>
        Array.IndexOf(route.Methods, HttpMethods.Get) >= 0 ? [.. route.Methods, HttpMethods.Head] : route.Methods;

    /// <summary>The built-in templates, for messages.</summary>
    public static string Templates => string.Join(", ", Array.ConvertAll(Definitions.Value, static r => r.Path));

    private static readonly Lazy<RouteDefinition[]> Definitions = new(static () =>
    {
        var errors = new List<string>();
        var routes = RouteConfigReader.ReadRoutes(new ConfigurationBuilder().Build(), errors, null);
        return errors.Count == 0 ? [.. routes] : throw new InvalidOperationException(string.Join(" ", errors));
    });
}
