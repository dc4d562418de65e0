using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.GraphQL;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>Issue 25 over real sockets: queries, mutations, variables and fragments reach the services through the routes.</summary>
public sealed class GraphQLQueryTests
{
    [Fact]
    public async Task Query_ThreeOperationsOnTwoServices_OneRequestEach()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("""
            {
              tools { tools { name description } }
              sessionHistory(id: "s1") { sessionId messages { role content } }
              records(baseId: "app1", tableId: "tbl1") { records { id createdTime fields } }
            }
            """);

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        var data = body.GetProperty("data");
        Assert.Equal("list_records", data.GetProperty("tools").GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal("s1", data.GetProperty("sessionHistory").GetProperty("sessionId").GetString());
        Assert.Equal("user", data.GetProperty("sessionHistory").GetProperty("messages")[0].GetProperty("role").GetString());
        var record = data.GetProperty("records").GetProperty("records")[0];
        Assert.Equal("rec1", record.GetProperty("id").GetString());
        Assert.True(record.GetProperty("fields").GetProperty("Done").GetBoolean());
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "GET", "/tools"));
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "GET", "/sessions/s1/history"));
        Assert.Equal(1, GraphQLFixture.Count(fixture.Airtable, "GET", "/bases/app1/tables/tbl1/records"));
        Assert.Equal(3, fixture.ApiCalls);
    }

    [Fact]
    public async Task Mutation_ChatWithInput_PostsTheServiceBodyWithItsPropertyNames()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("""
            mutation { chat(input: {message: "Hello", sessionId: "s1", thinkingBudget: 5}) { response sessionId toolCalls { toolName arguments } } }
            """);

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        var chat = body.GetProperty("data").GetProperty("chat");
        Assert.Equal("Hello!", chat.GetProperty("response").GetString());
        Assert.Equal("app1", chat.GetProperty("toolCalls")[0].GetProperty("arguments").GetProperty("base_id").GetString());
        var received = Assert.Single(fixture.Llm.Requests, r => r.RawTarget == "/chat");
        Assert.Equal("POST", received.Method);
        Assert.StartsWith("application/json", received.Header("Content-Type"));
        var sent = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("Hello", sent.GetProperty("message").GetString());
        Assert.Equal("s1", sent.GetProperty("session_id").GetString());
        Assert.Equal(5, sent.GetProperty("thinking_budget").GetInt32());
    }

    [Fact]
    public async Task Mutation_DeleteSessionAnswered204_ReturnsTrue()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("""mutation { deleteSession(id: "s1") }""");

        Assert.True(body.GetProperty("data").GetProperty("deleteSession").GetBoolean(), body.ToString());
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "DELETE", "/sessions/s1"));
    }

    [Fact]
    public async Task Variables_FillArgumentsAndInput()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync(
            """
            query Schema($base: String!, $max: Int) {
              tables(baseId: $base) { tables { name fields { name type options } } }
              records(baseId: $base, tableId: "tbl1", maxRecords: $max, fields: ["Name", "Done"]) { records { id } }
            }
            """,
            new Dictionary<string, object?> { ["base"] = "app1", ["max"] = 7 });

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        Assert.Equal("Tasks", body.GetProperty("data").GetProperty("tables").GetProperty("tables")[0].GetProperty("name").GetString());
        Assert.Equal(1, GraphQLFixture.Count(fixture.Airtable, "GET", "/bases/app1/schema"));
        Assert.Single(fixture.Airtable.Requests, r => r.RawTarget == "/bases/app1/tables/tbl1/records?max_records=7&fields%5B%5D=Name&fields%5B%5D=Done");
    }

    [Fact]
    public async Task Variables_MissingRequired_ErrorAndNoUpstreamCall()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.PostAsync("query ($base: String!) { tables(baseId: $base) { tables { name } } }", new Dictionary<string, object?>());
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.NotEmpty(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task Fragments_NamedAndInline_Resolve()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("""
            fragment BaseFields on Base { id name permissionLevel }
            {
              bases { bases { ...BaseFields } }
              sessionHistory(id: "s1") { ... on SessionHistory { messages { role } } }
            }
            """);

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        var @base = body.GetProperty("data").GetProperty("bases").GetProperty("bases")[0];
        Assert.Equal("app1", @base.GetProperty("id").GetString());
        Assert.Equal("edit", @base.GetProperty("permissionLevel").GetString());
        Assert.Equal("assistant", body.GetProperty("data").GetProperty("sessionHistory").GetProperty("messages")[1].GetProperty("role").GetString());
    }

    [Fact]
    public async Task IdenticalReads_OneUpstreamCall()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("""
            { a: tools { tools { name } } b: tools { tools { description } } c: sessionHistory(id: "s1") { sessionId } d: sessionHistory(id: "s1") { messages { content } } }
            """);

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        Assert.Equal("Lists records", body.GetProperty("data").GetProperty("b").GetProperty("tools")[0].GetProperty("description").GetString());
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "GET", "/tools"));
        Assert.Equal(1, GraphQLFixture.Count(fixture.Llm, "GET", "/sessions/s1/history"));
    }

    [Fact]
    public async Task IndependentFields_ResolveConcurrently()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        var toolsArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var basesArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Answers["GET /tools"] = async context =>
        {
            toolsArrived.TrySetResult();
            await basesArrived.Task.WithTimeout(); // answers only once the other field's call has arrived too
            await GraphQLFixture.Json(GraphQLFixture.Tools)(context);
        };
        fixture.Answers["GET /bases"] = async context =>
        {
            basesArrived.TrySetResult();
            await toolsArrived.Task.WithTimeout();
            await GraphQLFixture.Json(GraphQLFixture.Bases)(context);
        };

        var body = await fixture.QueryAsync("{ tools { tools { name } } bases { bases { id } } }");

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        Assert.Equal("app1", body.GetProperty("data").GetProperty("bases").GetProperty("bases")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Get_Query_Answered()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.GetAsync("{ tools { tools { name } } }");
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("list_records", body.GetProperty("data").GetProperty("tools").GetProperty("tools")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Get_Mutation_Refused405AndNothingSent()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.GetAsync("""mutation { deleteSession(id: "s1") }""");
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", response.Content.Headers.Allow.Single());
        Assert.Equal("METHOD_NOT_ALLOWED", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Theory]
    [InlineData("application/graphql-response+json", "application/graphql-response+json", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "application/json", HttpStatusCode.OK)]
    public async Task Accept_ChoosesMediaType_ValidationErrorStatusFollows(string accept, string expected, HttpStatusCode status)
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.PostAsync("{ noSuchField }", accept: accept);
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.Equal(response.Headers.GetValues("X-Request-ID").Single(), body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task Post_NotJson_Returns415()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        var request = GatewayHost.Request(HttpMethod.Post, "/graphql");
        request.Content = new StringContent("{ tools { tools { name } } }", System.Text.Encoding.UTF8, "application/graphql");

        using var response = await fixture.Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task Post_BodyNotAGraphQLRequest_Returns400()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.Gateway.SendAsync(HttpMethod.Post, "/graphql", json: "[1, 2]");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BAD_REQUEST", (await GraphQLFixture.ReadAsync(response)).GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task RequestId_ReachesTheServiceAndTheErrors()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        fixture.Answers["GET /tools"] = GraphQLFixture.Json("""{"detail":"tools are resting"}""", 500);
        var request = GatewayHost.Request(HttpMethod.Post, "/graphql", json: """{"query":"{ tools { tools { name } } }"}""");
        request.Headers.Add("X-Request-ID", "graphql-req-1");

        using var response = await fixture.Gateway.SendAsync(request);
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal("graphql-req-1", Assert.Single(fixture.Llm.Requests, r => r.RawTarget == "/tools").Header("X-Request-ID"));
        var error = body.GetProperty("errors")[0];
        Assert.Equal("graphql-req-1", error.GetProperty("extensions").GetProperty("requestId").GetString());
        Assert.Equal(500, error.GetProperty("extensions").GetProperty("status").GetInt32());
        Assert.Equal("tools are resting", error.GetProperty("message").GetString());
    }
}
