using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>
/// Contract "Configuration" (CORS_ORIGINS) and issue 4: allowlisted origins only, exposed headers, preflights answered
/// without a key or the upstream and cached, CORS headers on the gateway's own errors, never * with credentials.
/// </summary>
public sealed class CorsTests
{
    private static readonly Dictionary<string, string?> TwoOrigins = new()
    {
        ["CORS_ORIGINS"] = "http://localhost:3000,https://app.example.com",
    };

    /// <summary>Every header a browser script may read from the gateway's responses.</summary>
    private static readonly string[] Exposed = ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

    /// <summary>A response of a gateway allowing <see cref="TwoOrigins"/> and how often its one upstream was contacted.</summary>
    private sealed record Answer(HttpResponseMessage Response, int UpstreamContacts);

    private static async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            await using var upstream = await FakeUpstream.StartAsync();
            await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, TwoOrigins);
            var response = await gateway.SendAsync(request);
            return new Answer(response, upstream.ContactCount);
        }
    }

    private static HttpRequestMessage Get(string origin, bool withKey = true)
    {
        var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey);
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key,x-request-id");
        return request;
    }

    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("https://app.example.com")]
    public async Task AllowedOrigin_GetsAllowOriginAndExposedHeaders(string origin)
    {
        using var response = (await SendAsync(Get(origin))).Response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(origin, response.Header("Access-Control-Allow-Origin"));
        Assert.Equal(Exposed.Order(), response.Tokens("Access-Control-Expose-Headers").Order());
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
        using var response = (await SendAsync(Get(origin))).Response;

        Assert.Null(response.Header("Access-Control-Allow-Origin"));
        Assert.Null(response.Header("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("https://app.example.com")]
    public async Task Preflight_FromAllowedOrigin_AnsweredWithoutKeyOrUpstreamAndCached(string origin)
    {
        var answer = await SendAsync(Preflight(origin));
        using var response = answer.Response;

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("post", response.Tokens("Access-Control-Allow-Methods"));
        Assert.Contains("x-api-key", response.Tokens("Access-Control-Allow-Headers"));
        Assert.Contains("content-type", response.Tokens("Access-Control-Allow-Headers"));
        Assert.Equal("600", response.Header("Access-Control-Max-Age"));
        AssertNoWildcardWithCredentials(response);
        Assert.Equal(0, answer.UpstreamContacts);
    }

    [Fact]
    public async Task Preflight_FromDisallowedOrigin_GetsNoAllowOrigin()
    {
        var answer = await SendAsync(Preflight("http://evil.example"));
        using var response = answer.Response;

        Assert.Null(response.Header("Access-Control-Allow-Origin"));
        Assert.Equal(0, answer.UpstreamContacts);
    }

    [Fact]
    public async Task AllowedOrigin_OnUnauthorizedAndRateLimitedResponses_StillGetsAllowOrigin()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?>(TwoOrigins) { ["RATE_LIMIT_PER_MINUTE"] = "1" });

        using var unauthorized = await gateway.SendAsync(Get("http://localhost:3000", withKey: false));
        using var accepted = await gateway.SendAsync(Get("http://localhost:3000"));
        using var refused = await gateway.SendAsync(Get("http://localhost:3000"));

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        foreach (var response in new[] { unauthorized, accepted, refused })
        {
            Assert.Equal("http://localhost:3000", response.Header("Access-Control-Allow-Origin"));
            Assert.Equal(Exposed.Order(), response.Tokens("Access-Control-Expose-Headers").Order());
        }

        Assert.NotNull(refused.Header("Retry-After"));
        Assert.Equal("1", accepted.Header("RateLimit-Limit"));
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
            using var request = Preflight("http://anywhere.example");
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
        if (response.Header("Access-Control-Allow-Credentials") == "true")
        {
            Assert.NotEqual("*", response.Header("Access-Control-Allow-Origin"));
        }
    }
}
