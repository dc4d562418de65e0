using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>Partial data when a service fails, authentication, and rate limits charged per upstream call.</summary>
public sealed class GraphQLFailureTests
{
    [Fact]
    public async Task OneServiceFails_PartialDataAndAnErrorWithTheRequestId()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        fixture.Answers["GET /tools"] = GraphQLFixture.Json("""{"detail":"boom"}""", 503);

        using var response = await fixture.PostAsync("""{ tools { tools { name } } bases { bases { id } } sessionHistory(id: "s1") { sessionId } }""");
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = body.GetProperty("data");
        Assert.Equal(JsonValueKind.Null, data.GetProperty("tools").ValueKind);
        Assert.Equal("app1", data.GetProperty("bases").GetProperty("bases")[0].GetProperty("id").GetString());
        Assert.Equal("s1", data.GetProperty("sessionHistory").GetProperty("sessionId").GetString());
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("tools", error.GetProperty("path")[0].GetString());
        var extensions = error.GetProperty("extensions");
        Assert.Equal("UPSTREAM_UNAVAILABLE", extensions.GetProperty("code").GetString());
        Assert.Equal(503, extensions.GetProperty("status").GetInt32());
        Assert.Equal(response.Headers.GetValues("X-Request-ID").Single(), extensions.GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task ServiceDropsTheConnection_FieldErrorIs502FromTheForwarder()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        fixture.Answers["GET /bases"] = context =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        using var response = await fixture.PostAsync("{ tools { tools { name } } bases { bases { id } } }");
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal("list_records", body.GetProperty("data").GetProperty("tools").GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").GetProperty("bases").ValueKind);
        var extensions = body.GetProperty("errors")[0].GetProperty("extensions");
        Assert.Equal("UPSTREAM_UNAVAILABLE", extensions.GetProperty("code").GetString());
        Assert.Equal(502, extensions.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, "wrong-key")]
    public async Task NoOrBadCredentials_401ProblemAndNothingRuns(bool sendKey, string? key)
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        var request = GatewayHost.Request(HttpMethod.Post, "/graphql", withKey: false, json: """{"query":"{ tools { tools { name } } }"}""");
        if (sendKey)
        {
            request.Headers.Add("X-API-Key", key);
        }

        using var response = await fixture.Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task Get_WithoutCredentials_401()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        using var response = await fixture.GetAsync("{ tools { tools { name } } }", withKey: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, fixture.ApiCalls);
    }

    [Fact]
    public async Task RateLimit_EachUpstreamCallIsCharged()
    {
        await using var fixture = await GraphQLFixture.StartAsync(("RATE_LIMIT_PER_MINUTE", "2"));

        using var response = await fixture.PostAsync("""{ tools { tools { name } } bases { bases { id } } sessionHistory(id: "s1") { sessionId } }""");
        var body = await GraphQLFixture.ReadAsync(response);

        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("RATE_LIMITED", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(429, error.GetProperty("extensions").GetProperty("status").GetInt32());
        Assert.Equal(2, fixture.ApiCalls);

        // The budget is spent: a plain REST call of the same client is refused too.
        using var rest = await fixture.Gateway.GetAsync("/api/tools");
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
    }

    [Fact]
    public async Task RouteScopes_FieldOfARouteTheClientMayNotCall_Forbidden()
    {
        await using var fixture = await GraphQLFixture.StartAsync(
            ("Gateway:Auth:Keys:0:Name", "reader"),
            ("Gateway:Auth:Keys:0:Key", "reader-key-0123456789"),
            ("Gateway:Auth:Keys:0:Scopes:0", "read"),
            ("Gateway:Routes:tools:Auth", "scopes"),
            ("Gateway:Routes:tools:Scopes:0", "tools"));
        var request = GatewayHost.Request(HttpMethod.Post, "/graphql", withKey: false, json: """{"query":"{ tools { tools { name } } bases { bases { id } } }"}""");
        request.Headers.Add("X-API-Key", "reader-key-0123456789");

        using var response = await fixture.Gateway.SendAsync(request);
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.Equal("FORBIDDEN", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("app1", body.GetProperty("data").GetProperty("bases").GetProperty("bases")[0].GetProperty("id").GetString());
        Assert.Equal(0, GraphQLFixture.Count(fixture.Llm, "GET", "/tools"));
    }

    [Fact]
    public async Task BearerToken_EachFieldAuthenticatedAsTheTokensSubject()
    {
        await using var fixture = await GraphQLFixture.StartAsync(
            ("JWT_SECRET", PyAirtable.Gateway.Tests.Security.TestTokens.Secret),
            ("JWT_ISSUER", PyAirtable.Gateway.Tests.Security.TestTokens.Issuer),
            ("JWT_AUDIENCE", PyAirtable.Gateway.Tests.Security.TestTokens.Audience));
        var token = PyAirtable.Gateway.Tests.Security.TestTokens.Create(
            PyAirtable.Gateway.Tests.Security.TestTokens.SecretKey(), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256, subject: "frontend");
        var request = GatewayHost.Request(HttpMethod.Post, "/graphql", withKey: false, json: """{"query":"{ tools { tools { name } } bases { bases { id } } }"}""");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var response = await fixture.Gateway.SendAsync(request);
        var body = await GraphQLFixture.ReadAsync(response);

        Assert.False(body.TryGetProperty("errors", out _), body.ToString());
        Assert.Equal("sub:frontend", Assert.Single(fixture.Llm.Requests, r => r.RawTarget == "/tools").Header("X-Client-Id"));
        Assert.Equal("sub:frontend", Assert.Single(fixture.Airtable.Requests, r => r.RawTarget == "/bases").Header("X-Client-Id"));
    }
}
