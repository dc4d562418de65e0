using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// What the gateway itself adds to its documents: its own endpoints (<c>/</c>, health, WebSocket statistics, <c>/ws</c>),
/// its error responses, and the v2 chat body (CONTRACT-2, "The v2 chat body"). Component names used here are reserved:
/// a service schema of the same name is renamed.
/// </summary>
internal static class GatewayOperations
{
    public const string Title = "PyAirtable API Gateway";
    public const string V1 = "v1";
    public const string V2 = "v2";

    /// <summary>The route whose POST takes the v2 chat body under <c>/api/v2/</c>.</summary>
    public const string ChatRouteName = "chat";

    private const string Tag = "Gateway";
    private const string Problem = "GatewayProblem";
    private const string ChatRequest = "ChatRequestV2";
    private const string ChatMessage = "ChatMessageV2";
    private const string WebSocketStats = "WebSocketStats";
    private const string ProblemJson = "application/problem+json";

    public static readonly HashSet<string> SchemaNames = new(StringComparer.Ordinal) { Problem, ChatRequest, ChatMessage, WebSocketStats };

    /// <summary>Operation ids of the gateway's own endpoints (a service operation with one of them gets its service's prefix).</summary>
    public static readonly string[] OperationIds = ["gateway_info", "gateway_health", "websocket_stats", "websocket", "chat_v2"];

    /// <summary><c>/api/x</c> → <c>/api/v2/x</c>; v1 keeps the unversioned paths.</summary>
    public static string Versioned(string path, string version) =>
        version != V1 && path.StartsWith("/api/", StringComparison.Ordinal) ? "/api/" + version + path[4..] : path;

    /// <summary>The request body of <c>POST /api/v2/chat</c>.</summary>
    public static OpenApiRequestBody ChatV2Body(OpenApiDocument target) => new()
    {
        Required = true,
        Description = "The web frontend's chat body. The gateway forwards `{\"message\": <content of the last user message>, ...every other key but messages}` to the orchestrator.",
        Content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal)
        {
            ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ChatRequest, target) },
        },
    };

    /// <summary>The gateway's own answers on a proxied operation (unless the service documents that status itself).</summary>
    public static void AddErrorResponses(OpenApiOperation operation, DocumentedRoute route, OpenApiDocument target)
    {
        if (route.Auth != RouteAuth.None)
        {
            AddProblem(operation, "401", "No or invalid credentials (problem+json, `WWW-Authenticate`).", target);
        }

        if (route.Auth == RouteAuth.Scopes)
        {
            AddProblem(operation, "403", "The client lacks a required scope.", target);
        }

        AddProblem(operation, "429", "Rate limited (`Retry-After`).", target);
        AddProblem(operation, "502", "The service could not be reached.", target);
        AddProblem(operation, "504", "The service did not answer in time.", target);
    }

    /// <summary>Adds the gateway's own endpoints and schemas to a document being built.</summary>
    public static void Add(
        string version,
        OpenApiDocument target,
        List<(string Path, HttpMethod Method, OpenApiOperation Operation)> operations,
        SortedDictionary<string, IOpenApiSchema> schemas,
        SortedDictionary<string, OpenApiTag> tags,
        bool bearer)
    {
        tags[Tag] = new OpenApiTag { Name = Tag, Description = "The gateway's own endpoints." };
        schemas[Problem] = ProblemSchema();
        schemas[WebSocketStats] = StatsSchema();

        operations.Add(("/", HttpMethod.Get, Operation(target, "gateway_info", "Service information", "The gateway's name, version and the endpoints it serves.",
            Json(new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["service"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["version"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["endpoints"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Object } },
                },
            }), open: true, bearer)));

        var health = Operation(target, "gateway_health", "Aggregated health of the services",
            "`healthy` when every service answers its health check, `degraded` otherwise (503), with per-service status and response times and the WebSocket statistics.",
            Json(new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("healthy"), JsonValue.Create("degraded")] },
                    ["services"] = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Object } },
                    ["websocket_stats"] = new OpenApiSchemaReference(WebSocketStats, target),
                },
            }), open: true, bearer);
        health.Responses!["503"] = new OpenApiResponse { Description = "At least one service is unhealthy (same body)." };
        operations.Add((Versioned("/api/health", version), HttpMethod.Get, health));

        var stats = Operation(target, "websocket_stats", "WebSocket statistics", "Counters of the `/ws` connections of this replica.",
            Json(new OpenApiSchemaReference(WebSocketStats, target)), open: false, bearer);
        AddProblem(stats, "401", "No or invalid credentials.", target);
        operations.Add((Versioned("/api/websocket/stats", version), HttpMethod.Get, stats));

        var socket = Operation(target, "websocket", "Real-time WebSocket",
            "Upgrades to a WebSocket (RFC 6455; RFC 8441 over HTTP/2). Every frame is a JSON text message " +
            "`{\"type\", \"timestamp\", \"session_id\", \"data\"}`. The first client message must be `{\"type\": \"auth\", \"api_key\": \"...\"}` " +
            "(or `\"token\"` with a JWT) within 10 s unless the handshake carried `X-API-Key` or `Authorization`; otherwise the socket is closed with 1008. " +
            "Client messages: `ping`, `subscribe` / `unsubscribe` (`types`). Server messages: `system_status`, `chat_stream`, `tool_progress`, `error`, `pong`.",
            null, open: true, bearer);
        socket.Parameters = [new OpenApiParameter { Name = "session_id", In = ParameterLocation.Query, Required = true, Description = "The chat session this connection follows.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } }];
        socket.Responses = new OpenApiResponses { ["101"] = new OpenApiResponse { Description = "Switching Protocols: the WebSocket is open." } };
        AddProblem(socket, "400", "Not a WebSocket handshake, or no `session_id`.", target);
        AddProblem(socket, "403", "The `Origin` is not an allowed CORS origin.", target);
        operations.Add(("/ws", HttpMethod.Get, socket));

        if (version == V2)
        {
            schemas[ChatRequest] = ChatRequestSchema(target);
            schemas[ChatMessage] = ChatMessageSchema();
            var chatPath = Versioned("/api/chat", version);
            if (!operations.Any(o => o.Path == chatPath && o.Method == HttpMethod.Post))
            {
                var chat = Operation(target, "chat_v2", "Chat with the LLM orchestrator", "The orchestrator's own description is not available.", null, open: false, bearer);
                chat.Tags = new HashSet<OpenApiTagReference> { new("LlmOrchestrator", target) };
                tags.TryAdd("LlmOrchestrator", new OpenApiTag { Name = "LlmOrchestrator" });
                chat.RequestBody = ChatV2Body(target);
                chat.Responses = new OpenApiResponses { ["200"] = new OpenApiResponse { Description = "The orchestrator's answer, not transformed (JSON or a stream)." } };
                AddProblem(chat, "400", "The body is not a valid v2 chat body; `detail` says why.", target);
                AddErrorResponses(chat, new DocumentedRoute(ChatRouteName, chatPath, ["POST"], "LlmOrchestrator", "/chat", RouteAuth.Client, [], true), target);
                operations.Add((chatPath, HttpMethod.Post, chat));
            }
            else
            {
                var chat = operations.First(o => o.Path == chatPath && o.Method == HttpMethod.Post).Operation;
                AddProblem(chat, "400", "The body is not a valid v2 chat body; `detail` says why.", target);
            }
        }
    }

    private static OpenApiOperation Operation(OpenApiDocument target, string id, string summary, string description, OpenApiResponse? ok, bool open, bool bearer) => new()
    {
        OperationId = id,
        Summary = summary,
        Description = description,
        Tags = new HashSet<OpenApiTagReference> { new(Tag, target) },
        Responses = ok is null ? [] : new OpenApiResponses { ["200"] = ok },
        Security = DocumentMerger.Security(open ? RouteAuth.None : RouteAuth.Client, [], target, bearer),
    };

    private static OpenApiResponse Json(IOpenApiSchema schema) => new()
    {
        Description = "OK",
        Content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new OpenApiMediaType { Schema = schema } },
    };

    private static void AddProblem(OpenApiOperation operation, string status, string description, OpenApiDocument target)
    {
        operation.Responses ??= [];
        operation.Responses.TryAdd(status, new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal)
            {
                [ProblemJson] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(Problem, target) },
            },
        });
    }

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details, as the gateway answers its own errors.",
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["request_id"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };

    private static OpenApiSchema StatsSchema()
    {
        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var name in new[] { "total_connections", "active_connections", "active_sessions", "messages_sent", "messages_queued", "rate_limit_violations", "authentication_failures" })
        {
            properties[name] = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" };
        }

        return new OpenApiSchema { Type = JsonSchemaType.Object, Properties = properties, Required = new HashSet<string>(properties.Keys, StringComparer.Ordinal) };
    }

    private static OpenApiSchema ChatRequestSchema(OpenApiDocument target) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The v2 chat body. `message` for the orchestrator is the `content` of the last element whose `role` is `user`; every other key but `messages` is passed on byte for byte, in order.",
        Required = new HashSet<string>(StringComparer.Ordinal) { "messages" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["messages"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                MinItems = 1,
                Description = "The conversation, oldest first; at least one element with `role` `user` and non-empty `content`.",
                Items = new OpenApiSchemaReference(ChatMessage, target),
            },
            ["session_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The chat session." },
            ["base_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The Airtable base the chat is about." },
            ["stream"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Boolean,
                Description = "With a `session_id`: the answer is streamed as `chat_stream` messages to the session's `/ws` connections, and the HTTP answer is `{\"response\", \"session_id\", \"streaming\": true}`.",
            },
        },
        AdditionalPropertiesAllowed = true,
        Examples = [JsonNode.Parse("""{"messages":[{"role":"user","content":"Hello"}],"session_id":"s1","base_id":"app1"}""")!],
    };

    private static OpenApiSchema ChatMessageSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string>(StringComparer.Ordinal) { "role", "content" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["role"] = new OpenApiSchema { Type = JsonSchemaType.String, Examples = [JsonValue.Create("user"), JsonValue.Create("assistant")] },
            ["content"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };
}
