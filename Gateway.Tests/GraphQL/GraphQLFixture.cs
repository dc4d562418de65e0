using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Documentation;
using PyAirtable.Gateway.GraphQL;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>
/// The gateway with two fake services (the Airtable gateway and the LLM orchestrator) serving their FastAPI documents
/// and small answers, the API documentation fetched and the GraphQL schema generated from it. Every request a service
/// gets is recorded, so tests count exactly what reached it.
/// </summary>
internal sealed class GraphQLFixture : IAsyncDisposable
{
    public const string Tools = """{"tools":[{"name":"list_records","description":"Lists records","parameters":{"base_id":"string"}}]}""";
    public const string History = """{"session_id":"s1","messages":[{"role":"user","content":"hi","timestamp":null},{"role":"assistant","content":"hello"}]}""";
    public const string Bases = """{"bases":[{"id":"app1","name":"Projects","permissionLevel":"edit"}],"offset":null}""";
    public const string Schema = """{"tables":[{"id":"tbl1","name":"Tasks","primaryFieldId":"fld1","fields":[{"id":"fld1","name":"Name","type":"singleLineText","options":null}]}]}""";
    public const string Records = """{"records":[{"id":"rec1","createdTime":"2026-01-01T00:00:00.000Z","fields":{"Name":"Write docs","Done":true}}],"offset":null}""";
    public const string ChatAnswer = """{"response":"Hello!","session_id":"s1","tool_calls":[{"tool_name":"list_records","arguments":{"base_id":"app1"},"records":[]}],"thinking":null}""";

    private GraphQLFixture(FakeUpstream airtable, FakeUpstream llm, GatewayHost gateway)
    {
        Airtable = airtable;
        Llm = llm;
        Gateway = gateway;
    }

    public FakeUpstream Airtable { get; }

    public FakeUpstream Llm { get; }

    public GatewayHost Gateway { get; }

    /// <summary>The Airtable gateway's document (tests may replace it, then refresh).</summary>
    public static string AirtableDocument { get; } = Encoding.UTF8.GetString(OpenApiEndpoint.Document("airtable-gateway.json"));

    public static string OrchestratorDocument { get; } = Encoding.UTF8.GetString(OpenApiEndpoint.Document("llm-orchestrator.json"));

    public string AirtableServes { get; set; } = AirtableDocument;

    /// <summary>Answers by method and path on the services; a test may replace or add one.</summary>
    public Dictionary<string, Func<HttpContext, Task>> Answers { get; } = new(StringComparer.Ordinal);

    public static async Task<GraphQLFixture> StartAsync(params (string Key, string Value)[] settings)
    {
        FakeUpstream? airtable = null;
        FakeUpstream? llm = null;
        GraphQLFixture? fixture = null;
        airtable = await FakeUpstream.StartAsync((context, _) => fixture!.AnswerAsync(context, airtable: true));
        llm = await FakeUpstream.StartAsync((context, _) => fixture!.AnswerAsync(context, airtable: false));
        var overrides = new Dictionary<string, string?> { ["Gateway:Documentation:Enabled"] = "true" };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        var gateway = await GatewayHost.StartAsync(airtable, llm, overrides: overrides);
        fixture = new GraphQLFixture(airtable, llm, gateway);
        fixture.Answers["GET /tools"] = Json(Tools);
        fixture.Answers["GET /sessions/s1/history"] = Json(History);
        fixture.Answers["GET /bases"] = Json(Bases);
        fixture.Answers["GET /bases/app1/schema"] = Json(Schema);
        fixture.Answers["GET /bases/app1/tables/tbl1/records"] = Json(Records);
        fixture.Answers["POST /chat"] = Json(ChatAnswer);
        fixture.Answers["DELETE /sessions/s1"] = context =>
        {
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        };
        await fixture.RefreshAsync();
        return fixture;
    }

    /// <summary>Fetches the services' documents again and waits for the schema generated from the new build.</summary>
    public async Task<GeneratedSchema> RefreshAsync()
    {
        var schemas = Gateway.App.Services.GetRequiredService<GraphQLSchemaProvider>();
        var documentation = Gateway.App.Services.GetRequiredService<ApiDocumentation>();
        var before = documentation.Current.Generation;
        await documentation.RefreshAsync(CancellationToken.None).WithTimeout();
        if (documentation.Current.Generation == before)
        {
            return schemas.Current;
        }

        var current = schemas.Current;
        while (current.Generation < documentation.Current.Generation)
        {
            var next = schemas.NextAsync();
            current = schemas.Current;
            if (current.Generation >= documentation.Current.Generation)
            {
                break;
            }

            current = await next.WithTimeout();
        }

        return current;
    }

    /// <summary>Requests the services received on <paramref name="method"/> <paramref name="target"/> (documents excluded).</summary>
    public static int Count(FakeUpstream service, string method, string target) =>
        service.Requests.Count(r => r.Method == method && r.RawTarget == target);

    /// <summary>Every API request the services received (their documents excluded).</summary>
    public int ApiCalls => Airtable.Requests.Concat(Llm.Requests).Count(r => r.RawTarget != "/openapi.json");

    public static Func<HttpContext, Task> Json(string body, int status = 200) =>
        context => FakeUpstream.WriteAsync(context, status, Encoding.UTF8.GetBytes(body), "application/json");

    public Task<HttpResponseMessage> PostAsync(string query, object? variables = null, bool withKey = true, string? accept = null, string? operationName = null)
    {
        var body = new Dictionary<string, object?> { ["query"] = query };
        if (variables is not null)
        {
            body["variables"] = variables;
        }

        if (operationName is not null)
        {
            body["operationName"] = operationName;
        }

        var request = GatewayHost.Request(HttpMethod.Post, "/graphql", withKey, JsonSerializer.Serialize(body));
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }

        return Gateway.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string query, bool withKey = true) =>
        Gateway.SendAsync(GatewayHost.Request(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString(query), withKey));

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Posts and returns the parsed response, asserting 200.</summary>
    public async Task<JsonElement> QueryAsync(string query, object? variables = null)
    {
        using var response = await PostAsync(query, variables);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private Task AnswerAsync(HttpContext context, bool airtable)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/openapi.json")
        {
            return FakeUpstream.WriteAsync(context, 200, Encoding.UTF8.GetBytes(airtable ? AirtableServes : OrchestratorDocument), "application/json");
        }

        var key = context.Request.Method + " " + path;
        return Answers.TryGetValue(key, out var answer)
            ? answer(context)
            : FakeUpstream.WriteAsync(context, 404, Encoding.UTF8.GetBytes("""{"detail":"Not Found"}"""), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Airtable.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
