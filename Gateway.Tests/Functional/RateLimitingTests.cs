using System.Globalization;
using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Rate limiting": per-client chat and global limits, 429 with Retry-After and RateLimit-* headers.</summary>
public sealed class RateLimitingTests
{
    private const string ChatBody = """{"message":"hi"}""";

    [Fact]
    public async Task Chat_EleventhCallInAMinute_Returns429WithoutForwarding()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["CHAT_RATE_LIMIT_PER_MINUTE"] = "10" });

        for (var i = 1; i <= 10; i++)
        {
            using var accepted = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("10", Header(accepted, "RateLimit-Limit"));
            Assert.Equal((10 - i).ToString(CultureInfo.InvariantCulture), Header(accepted, "RateLimit-Remaining"));
            Assert.True(int.TryParse(Header(accepted, "RateLimit-Reset"), out var reset) && reset >= 0, Header(accepted, "RateLimit-Reset"));
        }

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);

        await Problem.AssertAsync(response, 429);
        var retryAfter = int.Parse(Header(response, "Retry-After")!, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal("10", Header(response, "RateLimit-Limit"));
        Assert.Equal("0", Header(response, "RateLimit-Remaining"));
        var reset429 = int.Parse(Header(response, "RateLimit-Reset")!, CultureInfo.InvariantCulture);
        Assert.InRange(reset429, 1, 60);
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
            Assert.Equal("3", Header(a, "RateLimit-Limit"));
            Assert.Equal("2", Header(a, "RateLimit-Remaining"));
            Assert.Equal("0", Header(c, "RateLimit-Remaining"));
        }

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 429);
        Assert.InRange(int.Parse(Header(response, "Retry-After")!, CultureInfo.InvariantCulture), 1, 60);
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
                using var probe = await gateway.GetAsync(path);
                Assert.True(probe.StatusCode == HttpStatusCode.OK, $"{path} #{i}: {(int)probe.StatusCode}");
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
    public async Task ChatLimitDefault_IsTen()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["CHAT_RATE_LIMIT_PER_MINUTE"] = null });

        var statuses = new List<int>();
        for (var i = 0; i < 11; i++)
        {
            using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(200, 10), 429], statuses);
    }

    [Fact]
    public async Task FailedAuthentication_ChargedToClientIp()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "3" });

        for (var i = 0; i < 3; i++)
        {
            using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
            request.Headers.Add("X-API-Key", $"guess-{i}");
            using var unauthorized = await gateway.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        }

        using var guess = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
        guess.Headers.Add("X-API-Key", "guess-4");
        using var response = await gateway.SendAsync(guess);

        await Problem.AssertAsync(response, 429);
        Assert.True(int.Parse(Header(response, "Retry-After")!, CultureInfo.InvariantCulture) >= 1);
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

    [Fact]
    public async Task XForwardedFor_NotUsedAsIdentity()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "2" });

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            using var response = await gateway.SendAsync(request);
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([401, 401, 429], statuses);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
