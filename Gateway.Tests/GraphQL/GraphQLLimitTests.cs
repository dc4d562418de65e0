using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.GraphQL;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>The limits (depth, complexity, aliases, document size), introspection and the options' validation.</summary>
public sealed class GraphQLLimitTests
{
    [Fact]
    public async Task Depth_OverTheLimit_RefusedBeforeAnyCall()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("Gateway:GraphQL:MaxDepth", "3"));

        using var deep = await fixture.PostAsync("{ tables(baseId: \"app1\") { tables { fields { name } } } }");
        var shallow = await fixture.QueryAsync("{ tools { tools { name } } }");

        var body = await GraphQLFixture.ReadAsync(deep);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.Contains("depth", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, GraphQLFixture.Count(fixture.Airtable, "GET", "/bases/app1/schema"));
        Assert.False(shallow.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task Complexity_OverTheLimit_RefusedBeforeAnyCall()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("Gateway:GraphQL:MaxComplexity", "20"));

        using var response = await fixture.PostAsync("{ tables(baseId: \"app1\") { tables { id name primaryFieldId fields { id name type options } } } }");
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.False(body.TryGetProperty("data", out _));
        Assert.Contains("complexity", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task Aliases_OverTheLimit_Refused()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("Gateway:GraphQL:MaxAliases", "2"));

        using var refused = await fixture.PostAsync("{ a: tools { tools { name } } b: tools { tools { name } } c: bases { bases { id } } }");
        var allowed = await fixture.QueryAsync("{ a: tools { tools { name } } b: bases { bases { id } } }");

        var body = await GraphQLFixture.ReadAsync(refused);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("TOO_MANY_ALIASES", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.False(allowed.TryGetProperty("errors", out _));
        Assert.Equal(2, fixture.ApiCalls);
    }

    [Fact]
    public async Task DocumentSize_OverTheLimit_413()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("Gateway:GraphQL:MaxDocumentBytes", "256"));

        using var response = await fixture.PostAsync("{ tools { tools { name } } }" + new string(' ', 300));
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("DOCUMENT_TOO_LARGE", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task RequestBody_OverTheLimit_413()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("Gateway:GraphQL:MaxDocumentBytes", "256"), ("Gateway:GraphQL:MaxRequestBytes", "1024"));

        using var response = await fixture.PostAsync("{ tools { tools { name } } }", new Dictionary<string, object?> { ["pad"] = new string('x', 2000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task Introspection_OnByDefault_ListsTheGeneratedTypes()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("{ __schema { queryType { name } mutationType { name } } __type(name: \"Base\") { fields { name } } }");

        Assert.Equal("Mutation", body.GetProperty("data").GetProperty("__schema").GetProperty("mutationType").GetProperty("name").GetString());
        Assert.Contains(body.GetProperty("data").GetProperty("__type").GetProperty("fields").EnumerateArray(), f => f.GetProperty("name").GetString() == "permissionLevel");
    }

    [Fact]
    public async Task Introspection_SwitchedOff_RefusedButTypenameWorks()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("Gateway:GraphQL:Introspection", "false"));

        using var response = await fixture.PostAsync("{ __schema { queryType { name } } }");
        var typename = await fixture.QueryAsync("{ __typename }");

        var body = await GraphQLFixture.ReadAsync(response);
        Assert.False(body.TryGetProperty("data", out _));
        Assert.NotEmpty(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("Query", typename.GetProperty("data").GetProperty("__typename").GetString());
    }

    [Theory]
    [InlineData("Gateway:GraphQL:MaxDepth", "1")]
    [InlineData("Gateway:GraphQL:MaxComplexity", "0")]
    [InlineData("Gateway:GraphQL:MaxAliases", "-1")]
    [InlineData("Gateway:GraphQL:MaxDocumentBytes", "10")]
    public async Task Options_Invalid_StartupFailsNamingTheSetting(string key, string value)
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(overrides: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_NoEndpoint()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?> { ["Gateway:GraphQL:Enabled"] = "false" });

        using var response = await gateway.SendAsync(HttpMethod.Post, "/graphql", json: """{"query":"{ __typename }"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task OtherMethod_405WithAllow()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.Gateway.SendAsync(HttpMethod.Put, "/graphql", json: """{"query":"{ __typename }"}""");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "POST"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public void Negotiate_AcceptHeaders()
    {
        Assert.Equal("application/json", GraphQLEndpoint.Negotiate(default));
        Assert.Equal("application/graphql-response+json", GraphQLEndpoint.Negotiate("application/graphql-response+json, application/json;q=0.9"));
        Assert.Equal("application/json", GraphQLEndpoint.Negotiate("application/json, application/graphql-response+json;q=0.5"));
        Assert.Equal("application/json", GraphQLEndpoint.Negotiate("*/*"));
        Assert.Null(GraphQLEndpoint.Negotiate("text/html"));
    }

    [Fact]
    public async Task ConfiguredRoute_AtGraphQLPath_RefusedAtStart()
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Gateway:Routes:mine:Path"] = "/graphql",
            ["Gateway:Routes:mine:Service"] = "LlmOrchestrator",
            ["Gateway:Routes:mine:UpstreamPath"] = "/graphql",
        }));

        Assert.Contains("'/graphql' is one of the gateway's own endpoints", exception.ToString(), StringComparison.Ordinal);
    }
}
