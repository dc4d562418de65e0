using System.Text;
using System.Text.Json;

namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>The emulated llm-orchestrator: a streaming chat answer, tools, tool execution, sessions.</summary>
internal static class LlmOrchestratorEndpoints
{
    /// <summary>Pause between two server-sent events of a chat answer.</summary>
    public static readonly TimeSpan ChunkDelay = TimeSpan.FromMilliseconds(80);

    private const int MaxJsonBodyBytes = 1024 * 1024;

    private static readonly string[] AnswerChunks =
    [
        "Looking at your bases", "... you have 3 bases:", " Projects, CRM and Inventory.",
        " Projects has 42 open tasks.",
    ];

    private static readonly byte[] ToolsJson = Encoding.UTF8.GetBytes("""
        {"tools":[
          {"name":"list_bases","description":"List the Airtable bases you can access","parameters":{}},
          {"name":"list_records","description":"List records of a table","parameters":{"base_id":"string","table":"string","max_records":"integer"}},
          {"name":"create_record","description":"Create a record","parameters":{"base_id":"string","table":"string","fields":"object"}}
        ]}
        """);

    public static IEndpointRouteBuilder MapLlmOrchestrator(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/chat", static (HttpContext context) => ChatAsync(context));
        endpoints.MapGet("/tools", static (HttpContext context) => WriteJsonAsync(context, ToolsJson));
        endpoints.MapPost("/execute-tool", static (HttpContext context) => ExecuteToolAsync(context));
        endpoints.MapGet("/sessions/{id}/history", static (HttpContext context, string id) => HistoryAsync(context, id));
        endpoints.MapDelete("/sessions/{id}", static () => Results.NoContent());
        return endpoints;
    }

    /// <summary>Answers a chat message as a server-sent-events stream, one flushed event at a time.</summary>
    private static async Task ChatAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var (message, sessionId) = await ReadChatRequestAsync(context.Request, cancellationToken);

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(cancellationToken);

        await WriteEventAsync(response, new { type = "start", session_id = sessionId, message }, cancellationToken);
        foreach (var chunk in AnswerChunks)
        {
            await Task.Delay(ChunkDelay, cancellationToken);
            await WriteEventAsync(response, new { type = "chunk", content = chunk }, cancellationToken);
        }

        await WriteEventAsync(response, new { type = "done", session_id = sessionId }, cancellationToken);
    }

    private static async Task WriteEventAsync<T>(HttpResponse response, T payload, CancellationToken cancellationToken)
    {
        var line = "data: " + JsonSerializer.Serialize(payload) + "\n\n";
        await response.WriteAsync(line, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static async Task<(string Message, string SessionId)> ReadChatRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var document = await TryParseAsync(request, cancellationToken);
        var root = document?.RootElement;
        string Read(string name, string fallback) =>
            root is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString() ?? fallback
                : fallback;
        return (Read("message", string.Empty), Read("session_id", "default"));
    }

    /// <summary>Echoes the tool request, as the orchestrator's tool runner reports what it ran.</summary>
    private static async Task ExecuteToolAsync(HttpContext context)
    {
        using var document = await TryParseAsync(context.Request, context.RequestAborted);
        var response = context.Response;
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteString("status", "success");
        json.WritePropertyName("request");
        if (document is null)
        {
            json.WriteNullValue();
        }
        else
        {
            document.RootElement.WriteTo(json);
        }

        json.WriteString("result", "tool executed (emulated)");
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static Task HistoryAsync(HttpContext context, string id)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            session_id = id,
            messages = new[]
            {
                new { role = "user", content = "List my bases" },
                new { role = "assistant", content = "You have 3 bases: Projects, CRM and Inventory." },
            },
        });
        return WriteJsonAsync(context, body);
    }

    private static Task WriteJsonAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary>Parses a small JSON body (bounded), or null when it is not JSON.</summary>
    private static async Task<JsonDocument?> TryParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxJsonBodyBytes)
        {
            return null;
        }

        try
        {
            return await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
