using System.Globalization;
using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Rate limiting": per-client chat and global limits, 429 with Retry-After and RateLimit-* headers,
/// probes never limited, failed authentication charged to the peer address (never to X-Forwarded-For).</summary>
public sealed class RateLimitingTests
{
    private const string ChatBody = """{"message":"hi"}""";

    [Fact]
    public async Task Chat_DefaultLimits_EleventhCallInAMinuteReturns429WithoutForwarding()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null, new Dictionary<string, string?>
        {
            // The shipped defaults: 10 chats and 1000 requests a minute; the headers show the tighter of the two.
            ["CHAT_RATE_LIMIT_PER_MINUTE"] = null,
            ["RATE_LIMIT_PER_MINUTE"] = null,
        });

        for (var i = 1; i <= 10; i++)
        {
            using var accepted = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("10", accepted.Header("RateLimit-Limit"));
            Assert.Equal((10 - i).ToString(CultureInfo.InvariantCulture), accepted.Header("RateLimit-Remaining"));
            Assert.True(int.TryParse(accepted.Header("RateLimit-Reset"), out var reset) && reset >= 0, accepted.Header("RateLimit-Reset"));
        }

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);

        await Problem.AssertAsync(response, 429);
        Assert.InRange(int.Parse(response.Header("Retry-After")!, CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal("10", response.Header("RateLimit-Limit"));
        Assert.Equal("0", response.Header("RateLimit-Remaining"));
        Assert.InRange(int.Parse(response.Header("RateLimit-Reset")!, CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(10, llm.ContactCount);
    }

    [Fact]
    public async Task ChatLimit_DoesNotLimitOtherRoutes()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["CHAT_RATE_LIMIT_PER_MINUTE"] = "2" });

        for (var i = 0; i < 2; i++)
        {
            using var accepted = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using var limited = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
        using var tools = await gateway.GetAsync("/api/tools");
        using var execute = await gateway.SendAsync(HttpMethod.Post, "/api/execute-tool", json: ChatBody);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        Assert.Equal(HttpStatusCode.OK, execute.StatusCode);
    }

    [Fact]
    public async Task Chat_InvalidBodiesAreCharged()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["CHAT_RATE_LIMIT_PER_MINUTE"] = "2" });

        for (var i = 0; i < 2; i++)
        {
            using var bad = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: "[1]");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);

        await Problem.AssertAsync(response, 429);
        Assert.Equal(0, llm.ContactCount);
    }

    [Fact]
    public async Task GlobalLimit_AppliesOverAllApiRoutesTogether()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "3" });

        using (var a = await gateway.GetAsync("/api/tools"))
        using (var b = await gateway.GetAsync("/api/airtable/bases"))
        using (var c = await gateway.GetAsync("/api/sessions/s-1/history"))
        {
            Assert.Equal(HttpStatusCode.OK, a.StatusCode);
            Assert.Equal(HttpStatusCode.OK, b.StatusCode);
            Assert.Equal(HttpStatusCode.OK, c.StatusCode);
            Assert.Equal("3", a.Header("RateLimit-Limit"));
            Assert.Equal("2", a.Header("RateLimit-Remaining"));
            Assert.Equal("0", c.Header("RateLimit-Remaining"));
        }

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 429);
        Assert.InRange(int.Parse(response.Header("Retry-After")!, CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(3, upstream.ContactCount);
    }

    [Fact]
    public async Task ProbeRoutes_NeverLimited()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "1", ["CHAT_RATE_LIMIT_PER_MINUTE"] = "1" });

        using (var first = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var limited = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        foreach (var path in new[] { "/", "/livez", "/readyz", "/metrics", "/api/health" })
        {
            for (var i = 0; i < 4; i++)
            {
                using var probe = await gateway.GetAsync(path, withKey: false);
                Assert.True(probe.StatusCode == HttpStatusCode.OK, $"{path} #{i}: {(int)probe.StatusCode}");
                Assert.Null(probe.Header("RateLimit-Limit"));
            }
        }
    }

    [Fact]
    public async Task ZeroLimits_SwitchLimitingOff()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "0", ["CHAT_RATE_LIMIT_PER_MINUTE"] = "0" });

        for (var i = 0; i < 25; i++)
        {
            using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(25, llm.ContactCount);
    }

    [Fact]
    public async Task FailedAuthentication_ChargedToClientIp_WhateverXForwardedForSays()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "3" });

        // No key, then wrong keys, each on a new connection claiming another address: all one client, the peer's address.
        async Task<HttpResponseMessage> GuessAsync(int i)
        {
            using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
            if (i > 0)
            {
                request.Headers.Add("X-API-Key", $"guess-{i}");
            }

            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            request.Headers.ConnectionClose = true;
            return await gateway.SendAsync(request);
        }

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var unauthorized = await GuessAsync(i);
            statuses.Add((int)unauthorized.StatusCode);
        }

        using var response = await GuessAsync(3);

        Assert.Equal([401, 401, 401], statuses);
        await Problem.AssertAsync(response, 429);
        Assert.InRange(int.Parse(response.Header("Retry-After")!, CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task FailedAuthentication_DoesNotUseTheKeyClientsBudget()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "2" });

        for (var i = 0; i < 3; i++)
        {
            using var unauthorized = await gateway.GetAsync("/api/tools", withKey: false);
        }

        using var response = await gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

}
