using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Authentication": X-API-Key on every proxied route, 401 with WWW-Authenticate, no key in the query.</summary>
public sealed class AuthTests
{
    public static TheoryData<string, string> ProtectedRoutes => new()
    {
        { "POST", "/api/chat" },
        { "GET", "/api/tools" },
        { "POST", "/api/execute-tool" },
        { "GET", "/api/sessions/s-1/history" },
        { "DELETE", "/api/sessions/s-1" },
        { "GET", "/api/airtable/bases" },
        { "POST", "/api/airtable/bases/app1/records" },
        { "PATCH", "/api/airtable/bases/app1/records/rec1" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task MissingKey_Returns401AndNotForwarded(string method, string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.SendAsync(new HttpMethod(method), path, withKey: false,
            json: method is "POST" or "PATCH" ? "{}" : null);

        await Problem.AssertAsync(response, 401);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("test-ke")]
    [InlineData("TEST-KEY")]
    [InlineData("test-keyx")]
    [InlineData("Bearer test-key")]
    public async Task WrongKey_Returns401AndNotForwarded(string key)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/tools HTTP/1.1\r\nHost: gw\r\nX-API-Key: {key}\r\nConnection: close\r\n\r\n");

        Assert.Equal(401, response.Status);
        Assert.True(response.HasHeader("WWW-Authenticate"));
        Assert.Equal("application/problem+json", response.Header("Content-Type")?.Split(';')[0]);
        Assert.DoesNotContain(GatewayHost.ApiKey, response.BodyText, StringComparison.Ordinal);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("wrong-key", "test-key")]
    [InlineData("test-key", "wrong-key")]
    [InlineData("test-key", "test-key")]
    public async Task RepeatedKeyHeader_Refused(string first, string second)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/tools HTTP/1.1\r\nHost: gw\r\nX-API-Key: {first}\r\nX-API-Key: {second}\r\nConnection: close\r\n\r\n");

        Assert.True(response.Status is 400 or 401, $"status {response.Status}");
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task EmptyKey_Returns401()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            "GET /api/tools HTTP/1.1\r\nHost: gw\r\nX-API-Key:\r\nConnection: close\r\n\r\n");

        Assert.Equal(401, response.Status);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task BearerTokenInsteadOfKey_Returns401()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
        request.Headers.Add("Authorization", $"Bearer {GatewayHost.ApiKey}");
        using var response = await gateway.SendAsync(request);

        await Problem.AssertAsync(response, 401);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("api_key")]
    [InlineData("apikey")]
    [InlineData("x-api-key")]
    [InlineData("X-API-Key")]
    public async Task KeyInQueryOnly_RefusedAndNotForwarded(string parameter)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync($"/api/airtable/bases?{parameter}={GatewayHost.ApiKey}", withKey: false);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, response.StatusCode.ToString());
        Assert.DoesNotContain(GatewayHost.ApiKey, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("api_key")]
    [InlineData("apikey")]
    [InlineData("x-api-key")]
    public async Task KeyInQueryAlongsideHeader_RefusedAndNotForwarded(string parameter)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync($"/api/airtable/bases?{parameter}={GatewayHost.ApiKey}");

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, response.StatusCode.ToString());
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task ValidKey_Forwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, upstream.ContactCount);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    [InlineData("/api/health")]
    [InlineData("/metrics")]
    public async Task ProbeRoutes_NeedNoKey(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync(path, withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
