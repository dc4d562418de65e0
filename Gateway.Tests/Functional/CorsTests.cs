using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Configuration" (CORS_ORIGINS): allowlisted origins only, exposed headers, preflight, never * with credentials.</summary>
public sealed class CorsTests
{
    private static readonly Dictionary<string, string?> TwoOrigins = new()
    {
        ["CORS_ORIGINS"] = "http://localhost:3000,https://app.example.com",
    };

    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("https://app.example.com")]
    public async Task AllowedOrigin_GetsAllowOriginAndExposedHeaders(string origin)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, TwoOrigins);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        request.Headers.Add("Origin", origin);
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        var exposed = Header(response, "Access-Control-Expose-Headers") ?? "";
        Assert.Contains("x-request-id", exposed.ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries));
        AssertNoWildcardWithCredentials(response);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:3001")]
    [InlineData("https://localhost:3000")]
    [InlineData("http://app.example.com")]
    [InlineData("null")]
    public async Task DisallowedOrigin_GetsNoCorsHeaders(string origin)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, TwoOrigins);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        request.Headers.Add("Origin", origin);
        using var response = await gateway.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), Header(response, "Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Preflight_FromAllowedOrigin_AnsweredWithoutKeyOrUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, TwoOrigins);

        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        request.Headers.Add("Origin", "https://app.example.com");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key,x-request-id");
        using var response = await gateway.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, response.StatusCode.ToString());
        Assert.Equal("https://app.example.com", Header(response, "Access-Control-Allow-Origin"));
        var methods = (Header(response, "Access-Control-Allow-Methods") ?? "").ToUpperInvariant().Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("POST", methods);
        var headers = (Header(response, "Access-Control-Allow-Headers") ?? "").ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("x-api-key", headers);
        Assert.Contains("content-type", headers);
        AssertNoWildcardWithCredentials(response);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task Preflight_FromDisallowedOrigin_GetsNoAllowOrigin()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, TwoOrigins);

        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        request.Headers.Add("Origin", "http://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        using var response = await gateway.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task AllowedOrigin_OnUnauthorizedResponse_StillGetsAllowOrigin()
    {
        await using var gateway = await GatewayHost.StartAsync(null, null, null, TwoOrigins);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
        request.Headers.Add("Origin", "http://localhost:3000");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("http://localhost:3000", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task WildcardOrigins_NeverCombinedWithCredentials()
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["CORS_ORIGINS"] = "*";
        Microsoft.AspNetCore.Builder.WebApplication? app = null;
        try
        {
            app = Program.CreateApp(GatewayHost.Arguments(settings));
            await app.StartAsync().WithTimeout();
        }
        catch (Exception ex) when (ex.Message.Contains("CORS", StringComparison.OrdinalIgnoreCase))
        {
            // Refusing a wildcard at start-up is one acceptable answer.
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            return;
        }

        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            using var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
            request.Headers.Add("Origin", "http://anywhere.example");
            request.Headers.Add("Access-Control-Request-Method", "POST");
            using var response = await client.SendAsync(request).WithTimeout();

            AssertNoWildcardWithCredentials(response);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static void AssertNoWildcardWithCredentials(HttpResponseMessage response)
    {
        if (Header(response, "Access-Control-Allow-Credentials") == "true")
        {
            Assert.NotEqual("*", Header(response, "Access-Control-Allow-Origin"));
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
