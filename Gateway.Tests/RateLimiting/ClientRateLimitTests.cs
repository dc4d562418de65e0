using System.Globalization;
using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>Issue 4: per-client budgets, per-route policies, trusted proxies and bad settings (the contract's limits: Functional/RateLimitingTests).</summary>
public sealed class ClientRateLimitTests
{
    private const string OtherKey = "second-client-key-01";

    [Fact]
    public async Task NamedClients_HaveSeparateBudgets()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_PER_MINUTE"] = "2",
            ["Gateway:Auth:Keys:0:Name"] = "second",
            ["Gateway:Auth:Keys:0:Key"] = OtherKey,
        });

        async Task<HttpStatusCode> GetAsync(string key)
        {
            using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
            request.Headers.Add("X-API-Key", key);
            using var response = await gateway.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await GetAsync(GatewayHost.ApiKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(GatewayHost.ApiKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(GatewayHost.ApiKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(OtherKey));
    }

    [Fact]
    public async Task ConfiguredRoutePolicy_LimitsOnlyThatRouteAndMethod_HeadersShowTheTightest()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_PER_MINUTE"] = "100",
            ["Gateway:RateLimits:Routes:0:Route"] = "/api/airtable/{**path}",
            ["Gateway:RateLimits:Routes:0:Methods:0"] = "POST",
            ["Gateway:RateLimits:Routes:0:PerMinute"] = "2",
        });

        using var first = await gateway.SendAsync(HttpMethod.Post, "/api/airtable/bases/a/records", json: "{}");
        using var second = await gateway.SendAsync(HttpMethod.Post, "/api/airtable/bases/a/records", json: "{}");
        using var third = await gateway.SendAsync(HttpMethod.Post, "/api/airtable/bases/a/records", json: "{}");
        using var read = await gateway.GetAsync("/api/airtable/bases/a/records");

        Assert.Equal(("2", "1"), (first.Header("RateLimit-Limit"), first.Header("RateLimit-Remaining")));
        Assert.Equal(("2", "0"), (second.Header("RateLimit-Limit"), second.Header("RateLimit-Remaining")));
        Assert.True(int.Parse(second.Header("RateLimit-Reset")!, CultureInfo.InvariantCulture) >= 1);
        await Problem.AssertAsync(third, 429);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("100", read.Header("RateLimit-Limit"));
    }

    [Fact]
    public async Task TrustedProxy_ForwardedForHonoured()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_PER_MINUTE"] = "2",
            ["Gateway:RateLimits:TrustedProxies:0"] = "127.0.0.0/8",
        });

        async Task<int> FailAsync(string forwardedFor) => (await RawConnection.SendAsync(gateway.Port,
            $"GET /api/tools HTTP/1.1\r\nHost: gw\r\nX-API-Key: wrong-key-x\r\nX-Forwarded-For: {forwardedFor}\r\nConnection: close\r\n\r\n")).Status;

        // Each client behind the proxy has its own budget of two; the right-most untrusted entry is the client.
        Assert.Equal(401, await FailAsync("198.51.100.7"));
        Assert.Equal(401, await FailAsync("10.9.9.9, 198.51.100.7"));
        Assert.Equal(429, await FailAsync("198.51.100.7, 127.0.0.5"));
        Assert.Equal(401, await FailAsync("198.51.100.8"));
        Assert.Equal(401, await FailAsync("2001:db8:1:2::1"));
        Assert.Equal(401, await FailAsync("2001:db8:1:2::ffff"));
        Assert.Equal(429, await FailAsync("2001:db8:1:2:aaaa::1")); // same /64
        Assert.Equal(401, await FailAsync("2001:db8:1:3::1"));
    }

    [Theory]
    [InlineData("Gateway:RateLimits:Routes:0:Route", "/api/nowhere")]
    [InlineData("Gateway:RateLimits:RedisTimeoutMilliseconds", "0")]
    [InlineData("Gateway:RateLimits:TrustedProxies:0", "not-an-ip")]
    public async Task BadSetting_StartupFailsNamingIt(string setting, string value)
    {
        var error = await Security.StartupErrors.CaptureAsync(new Dictionary<string, string?>
        {
            [setting] = value,
            ["Gateway:RateLimits:Routes:0:PerMinute"] = setting.Contains("Routes", StringComparison.Ordinal) ? "5" : null,
        });

        Assert.Contains(setting, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRedisUrl_StartupFails_PasswordNotShown()
    {
        var error = await Security.StartupErrors.CaptureAsync(new Dictionary<string, string?> { ["REDIS_URL"] = "redis://:hunter2-secret@host:notaport" });

        Assert.Contains("REDIS_URL", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }
}
