using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Issue 4: preflights from allowed origins answered without credentials and cached; others not allowed.</summary>
public sealed class CorsPreflightTests
{
    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "x-api-key,content-type");
        return request;
    }

    [Fact]
    public async Task Preflight_AllowedOrigin_AnsweredWithoutCredentialsAndCached()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null);

        using var request = Preflight("http://localhost:3000");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("http://localhost:3000", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("600", response.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.Contains("x-api-key", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, llm.ContactCount);
    }

    [Fact]
    public async Task Preflight_OtherOrigin_NotAllowed()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null);

        using var request = Preflight("https://evil.example");
        using var response = await gateway.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(0, llm.ContactCount);
    }
}
