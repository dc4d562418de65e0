using System.Globalization;
using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>Issue 4: in-process per-client limits, per-route policies, client addresses and trusted proxies.</summary>
public sealed class ClientRateLimitTests
{
    private const string ChatBody = """{"message":"hi"}""";
    private const string OtherKey = "second-client-key-01";

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    [Fact]
    public async Task Chat_EleventhCallInAMinute_Returns429WithRetryAfter()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["CHAT_RATE_LIMIT_PER_MINUTE"] = "10", ["RATE_LIMIT_PER_MINUTE"] = "1000" });

        for (var i = 0; i < 10; i++)
        {
            using var accepted = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("10", Header(accepted, "RateLimit-Limit"));
        }

        using var refused = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);

        await Problem.AssertAsync(refused, 429);
        Assert.InRange(int.Parse(Header(refused, "Retry-After"), CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal("0", Header(refused, "RateLimit-Remaining"));
        Assert.Equal(10, llm.ContactCount);
    }

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

        Assert.Equal(("2", "1"), (Header(first, "RateLimit-Limit"), Header(first, "RateLimit-Remaining")));
        Assert.Equal(("2", "0"), (Header(second, "RateLimit-Limit"), Header(second, "RateLimit-Remaining")));
        Assert.True(int.Parse(Header(second, "RateLimit-Reset"), CultureInfo.InvariantCulture) >= 1);
        await Problem.AssertAsync(third, 429);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("100", Header(read, "RateLimit-Limit"));
    }

    [Fact]
    public async Task ProbeRoutes_NeverLimited()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "1" });

        for (var i = 0; i < 3; i++)
        {
            using var live = await gateway.GetAsync("/livez", withKey: false);
            using var root = await gateway.GetAsync("/", withKey: false);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
            Assert.False(live.Headers.Contains("RateLimit-Limit"));
        }
    }

    [Fact]
    public async Task SpoofedForwardedFor_FromUntrustedPeer_Ignored()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "3" });

        // Failed authentications are charged to the client IP; a fresh X-Forwarded-For each time changes nothing.
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var response = await RawConnection.SendAsync(gateway.Port,
                $"GET /api/tools HTTP/1.1\r\nHost: gw\r\nX-API-Key: wrong-key-{i}\r\nX-Forwarded-For: 203.0.113.{i + 1}\r\nConnection: close\r\n\r\n");
            statuses.Add(response.Status);
        }

        Assert.Equal([401, 401, 401, 429], statuses);
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

    [Fact]
    public async Task RateLimitHeaders_ExposedToBrowsers()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "1" });

        using var first = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        first.Headers.Add("Origin", "http://localhost:3000");
        using var accepted = await gateway.SendAsync(first);
        using var second = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        second.Headers.Add("Origin", "http://localhost:3000");
        using var refused = await gateway.SendAsync(second);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        foreach (var response in new[] { accepted, refused })
        {
            Assert.Equal("http://localhost:3000", Header(response, "Access-Control-Allow-Origin"));
            var exposed = Header(response, "Access-Control-Expose-Headers");
            foreach (var name in new[] { "X-Request-ID", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset" })
            {
                Assert.Contains(name, exposed, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.Contains("Retry-After", Header(refused, "Access-Control-Expose-Headers"), StringComparison.OrdinalIgnoreCase);
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
