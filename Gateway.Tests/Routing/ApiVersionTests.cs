using System.Net;
using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>CONTRACT-2 "API versions": /api/..., /api/v1/..., /api/v2/..., unknown versions, deprecation.</summary>
public sealed class ApiVersionTests
{
    [Theory]
    [InlineData("/api/tools", "v1")]
    [InlineData("/api/v1/tools", "v1")]
    [InlineData("/api/v2/tools", "v2")]
    [InlineData("/api/v2/sessions/s%2F1/history?x=1", "v2")]
    [InlineData("/api/v1/airtable/bases/a%2Fb?q=1&q=2", "v1")]
    public async Task Version_SameRoute_ForwardedWithApiVersionHeader(string path, string version)
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, "{}"));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream);

        using var response = await gateway.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(version, response.Headers.GetValues("API-Version").Single());
        Assert.False(response.Headers.Contains("Deprecation"));
        var expected = path switch
        {
            "/api/v2/sessions/s%2F1/history?x=1" => "/sessions/s%2F1/history?x=1",
            "/api/v1/airtable/bases/a%2Fb?q=1&q=2" => "/bases/a%2Fb?q=1&q=2",
            _ => "/tools",
        };
        Assert.Equal(expected, Assert.Single(upstream.Requests).RawTarget);
    }

    [Theory]
    [InlineData("/api/v3/tools")]
    [InlineData("/api/vX/tools")]
    [InlineData("/api/V9/chat")]
    public async Task UnknownVersion_Returns404NamingTheVersions(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream);

        using var response = await gateway.GetAsync(path);

        var problem = await Problem.AssertAsync(response, 404);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("v1, v2", detail, StringComparison.Ordinal);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task WrongMethod_OnVersionedPath_Returns405WithAllow()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream);

        using var response = await gateway.GetAsync("/api/v2/chat");

        await Problem.AssertAsync(response, 405);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task GatewayError_OnVersionedRoute_CarriesApiVersion()
    {
        await using var gateway = await GatewayHost.StartAsync(); // every service refuses connections

        using var response = await gateway.GetAsync("/api/v2/tools");

        await Problem.AssertAsync(response, 502);
        Assert.Equal("v2", response.Headers.GetValues("API-Version").Single());
    }

    [Fact]
    public async Task DeprecatedVersion_CarriesDeprecationSunsetAndSuccessorLink()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, overrides: new Dictionary<string, string?>
        {
            ["Gateway:Versions:v1:Deprecated"] = "2026-06-01",
            ["Gateway:Versions:v1:Sunset"] = "2027-03-01",
        });

        foreach (var (path, successor) in new[] { ("/api/sessions/s1/history?x=1", "/api/v2/sessions/s1/history"), ("/api/v1/airtable/bases/x", "/api/v2/airtable/bases/x") })
        {
            using var response = await gateway.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("@" + new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), response.Headers.GetValues("Deprecation").Single());
            Assert.Equal("Mon, 01 Mar 2027 00:00:00 GMT", response.Headers.GetValues("Sunset").Single());
            Assert.Equal($"<{successor}>; rel=\"successor-version\"", response.Headers.GetValues("Link").Single());
        }

        using var v2 = await gateway.GetAsync("/api/v2/tools");
        Assert.Equal("v2", v2.Headers.GetValues("API-Version").Single());
        Assert.False(v2.Headers.Contains("Deprecation"));
        Assert.False(v2.Headers.Contains("Sunset"));
        Assert.False(v2.Headers.Contains("Link"));
    }

    [Theory]
    [InlineData("Gateway:Versions:v3:Deprecated", "true", "Gateway:Versions:v3")]
    [InlineData("Gateway:Versions:v1:Deprecated", "soon", "Gateway:Versions:v1:Deprecated")]
    [InlineData("Gateway:Versions:v1:Sunset", "next year", "Gateway:Versions:v1:Sunset")]
    public async Task BadVersionSetting_StartRefused_NamingIt(string key, string value, string named)
    {
        var error = await Security.StartupErrors.CaptureAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V1Chat_BodyPassedByteForByte()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(llm: llm);
        const string Body = """{ "messages" : [ {"role":"user","content":"x"} ], "n": 1e400 }""";

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/v1/chat");
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
        request.Content.Headers.ContentType = new("application/json");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", response.Headers.GetValues("API-Version").Single());
        var received = Assert.Single(llm.Requests);
        Assert.Equal("/chat", received.RawTarget);
        Assert.Equal(Body, Encoding.UTF8.GetString(received.Body));
    }
}
