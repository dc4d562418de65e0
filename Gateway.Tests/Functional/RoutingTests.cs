using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Routes": each route forwarded to the right service, path and method; 404 and 405.</summary>
public sealed class RoutingTests
{
    [Theory]
    [InlineData("POST", "/api/chat", "llm", "/chat")]
    [InlineData("GET", "/api/tools", "llm", "/tools")]
    [InlineData("POST", "/api/execute-tool", "llm", "/execute-tool")]
    [InlineData("GET", "/api/sessions/s-42/history", "llm", "/sessions/s-42/history")]
    [InlineData("DELETE", "/api/sessions/s-42", "llm", "/sessions/s-42")]
    [InlineData("GET", "/api/airtable/bases/app1/tables", "airtable", "/bases/app1/tables")]
    [InlineData("POST", "/api/airtable/bases/app1/records", "airtable", "/bases/app1/records")]
    [InlineData("PUT", "/api/airtable/bases/app1/records/rec1", "airtable", "/bases/app1/records/rec1")]
    [InlineData("PATCH", "/api/airtable/bases/app1/records/rec1", "airtable", "/bases/app1/records/rec1")]
    [InlineData("DELETE", "/api/airtable/bases/app1/records/rec1", "airtable", "/bases/app1/records/rec1")]
    public async Task Route_ForwardsToServicePathAndMethod(string method, string path, string service, string upstreamPath)
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"from":"airtable"}"""));
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"from":"llm"}"""));
        await using var mcp = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp);

        var json = method is "POST" or "PUT" or "PATCH" ? """{"message":"hi"}""" : null;
        using var response = await gateway.SendAsync(new HttpMethod(method), path, json: json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($$"""{"from":"{{service}}"}""", await response.Content.ReadAsStringAsync());
        var target = service == "llm" ? llm : airtable;
        var other = service == "llm" ? airtable : llm;
        var received = Assert.Single(target.Requests);
        Assert.Equal(method, received.Method);
        Assert.Equal(upstreamPath, received.RawTarget);
        Assert.Equal(0, other.ContactCount);
        Assert.Equal(0, mcp.ContactCount);
    }

    [Theory]
    [InlineData("/api/tools", "/tools")]
    [InlineData("/api/sessions/s-1/history", "/sessions/s-1/history")]
    [InlineData("/api/airtable/bases", "/bases")]
    public async Task Head_OnGetRoute_ForwardedAsHeadWithoutBody(string path, string upstreamPath)
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"tools":[1,2,3]}"""));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"HEAD {path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Empty(response.Body);
        Assert.Equal("17", response.Header("Content-Length"));
        var received = Assert.Single(upstream.Requests);
        Assert.Equal("HEAD", received.Method);
        Assert.Equal(upstreamPath, received.RawTarget);
    }

    [Theory]
    [InlineData("GET", "/api/chat", "POST")]
    [InlineData("PUT", "/api/chat", "POST")]
    [InlineData("POST", "/api/tools", "GET")]
    [InlineData("DELETE", "/api/tools", "GET")]
    [InlineData("GET", "/api/execute-tool", "POST")]
    [InlineData("POST", "/api/sessions/s-1/history", "GET")]
    [InlineData("PUT", "/api/sessions/s-1", "DELETE")]
    [InlineData("POST", "/api/health", "GET")]
    [InlineData("DELETE", "/livez", "GET")]
    public async Task WrongMethod_Returns405WithAllow(string method, string path, string allowed)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.SendAsync(new HttpMethod(method), path, json: method is "POST" or "PUT" ? "{}" : null);

        await Problem.AssertAsync(response, 405);
        var allow = string.Join(",", response.Content.Headers.Allow);
        Assert.Contains(allowed, allow.Split(',', StringSplitOptions.TrimEntries));
        Assert.DoesNotContain(method, allow.Split(',', StringSplitOptions.TrimEntries));
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/api/unknown")]
    [InlineData("/api/chatx")]
    [InlineData("/api/sessions")]
    public async Task UnknownPath_Returns404ListingEndpoints(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync(path);

        var problem = await Problem.AssertAsync(response, 404);
        var endpoints = problem.GetProperty("endpoints");
        Assert.Equal(JsonValueKind.Array, endpoints.ValueKind);
        var listed = endpoints.GetRawText();
        foreach (var expected in new[] { "/api/chat", "/api/tools", "/api/execute-tool", "/api/airtable", "/api/health", "/api/sessions" })
        {
            Assert.Contains(expected, listed, StringComparison.Ordinal);
        }

        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task AirtablePath_WithDoubleSlash_StaysOnConfiguredUpstream()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable//evil.example/x HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = Assert.Single(airtable.Requests);
        Assert.Equal("//evil.example/x", received.RawTarget);
        Assert.Equal($"127.0.0.1:{airtable.Port}", received.Header("Host"));
    }
}
