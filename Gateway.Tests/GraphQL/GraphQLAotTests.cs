using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>
/// The published native AOT gateway answers GraphQL: it generates the schema from the fake services' documents and a
/// query's fields reach the services through the routes. GraphQL.NET is reflection-heavy; this is the proof that the
/// paths the gateway uses work without it.
/// </summary>
public sealed class GraphQLAotTests
{
    [AotBinaryFact]
    public async Task NativeAot_QueryAndMutation_ReachTheServices()
    {
        await using var airtable = await FakeUpstream.StartAsync((context, _) => AnswerAsync(context, "airtable-gateway.json"));
        await using var llm = await FakeUpstream.StartAsync((context, _) => AnswerAsync(context, "llm-orchestrator.json"));
        await using var gateway = AotGatewayProcess.Start(new Dictionary<string, string>
        {
            ["AIRTABLE_GATEWAY_URL"] = airtable.Url,
            ["LLM_ORCHESTRATOR_URL"] = llm.Url,
            ["MCP_SERVER_URL"] = Ports.RefusingUrl(),
            ["RATE_LIMIT_PER_MINUTE"] = "0",
        });
        using var client = gateway.CreateClient();

        // Another process: its start and first documentation build give no signal here, so the schema is asked for until it has the services' fields.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement body = default;
        while (DateTime.UtcNow < deadline && !gateway.HasExited)
        {
            try
            {
                body = await PostAsync(client, """{ tools { tools { name } } records(baseId: "app1", tableId: "tbl1") { records { id fields } } }""");
                if (body.TryGetProperty("data", out _))
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        Assert.True(body.ValueKind == JsonValueKind.Object && body.TryGetProperty("data", out _), $"no answer: {body}\n{gateway.Output}");
        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        Assert.Equal("list_records", body.GetProperty("data").GetProperty("tools").GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal("Write docs", body.GetProperty("data").GetProperty("records").GetProperty("records")[0].GetProperty("fields").GetProperty("Name").GetString());
        Assert.Contains(llm.Requests, r => r.RawTarget == "/tools" && r.Header("X-Request-ID") is not null);
        Assert.Contains(airtable.Requests, r => r.RawTarget == "/bases/app1/tables/tbl1/records");

        var mutation = await PostAsync(client, """mutation($m: String!) { chat(input: {message: $m}) { response } }""", """{"m": "Hello"}""");
        Assert.Equal("Hello!", mutation.GetProperty("data").GetProperty("chat").GetProperty("response").GetString());

        var introspection = await PostAsync(client, """{ __type(name: "Base") { fields { name } } }""");
        Assert.Equal(3, introspection.GetProperty("data").GetProperty("__type").GetProperty("fields").GetArrayLength());
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string query, string variables = "null")
    {
        using var content = new StringContent($$"""{"query": {{JsonSerializer.Serialize(query)}}, "variables": {{variables}}}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/graphql", content);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static Task AnswerAsync(HttpContext context, string document)
    {
        var key = context.Request.Method + " " + context.Request.Path;
        var body = key switch
        {
            "GET /openapi.json" => Encoding.UTF8.GetString(PyAirtable.Gateway.Benchmarks.EmulatedServices.OpenApiEndpoint.Document(document)),
            "GET /tools" => GraphQLFixture.Tools,
            "GET /bases/app1/tables/tbl1/records" => GraphQLFixture.Records,
            "POST /chat" => GraphQLFixture.ChatAnswer,
            _ => null,
        };
        return FakeUpstream.WriteAsync(context, body is null ? 404 : 200, Encoding.UTF8.GetBytes(body ?? """{"detail":"Not Found"}"""), "application/json");
    }
}
