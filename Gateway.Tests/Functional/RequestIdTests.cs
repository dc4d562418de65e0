using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Request IDs": valid client ids kept, others replaced, sent upstream, returned on every response.</summary>
public sealed class RequestIdTests
{
    private const string IdPattern = "^[A-Za-z0-9._:-]{1,128}$";

    public static TheoryData<string> ValidIds => new()
    {
        "abc",
        "a",
        "0af7651916cd43dd8448eb211c80319c",
        "req-2026.11.26:12:00-x",
        "A.b_c:d",
        "under_score",
        new string('x', 128),
        "---",
    };

    public static TheoryData<string> InvalidIds => new()
    {
        new string('x', 129),
        "has space",
        "slash/inside",
        "semi;colon",
        "quote\"d",
        "caf\u00e9",
        "{json}",
        "tab\tinside",
    };

    [Theory]
    [MemberData(nameof(ValidIds))]
    public async Task ValidClientId_KeptSentUpstreamAndReturned(string id)
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await SendRawAsync(gateway, "/api/airtable/x", id, withKey: true);

        Assert.Equal(200, response.Status);
        Assert.Equal(id, response.Header("X-Request-ID"));
        Assert.Equal(id, Assert.Single(airtable.Requests).Header("X-Request-ID"));
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task MalformedClientId_ReplacedWithGeneratedOne(string id)
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await SendRawAsync(gateway, "/api/airtable/x", id, withKey: true);

        Assert.Equal(200, response.Status);
        var returned = response.Header("X-Request-ID");
        Assert.NotNull(returned);
        Assert.NotEqual(id, returned);
        Assert.Matches(IdPattern, returned);
        Assert.Equal(returned, Assert.Single(airtable.Requests).Header("X-Request-ID"));
    }

    [Fact]
    public async Task EmptyClientId_ReplacedWithGeneratedOne()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/x HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nX-Request-ID:\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var returned = response.Header("X-Request-ID");
        Assert.Matches(IdPattern, returned);
        Assert.Equal(returned, Assert.Single(airtable.Requests).Header("X-Request-ID"));
    }

    [Fact]
    public async Task RepeatedClientIdHeader_ReplacedWithOneGeneratedId()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/x HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nX-Request-ID: first\r\nX-Request-ID: second\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var returned = Assert.Single(response.Values("X-Request-ID"));
        Assert.Matches(IdPattern, returned);
        Assert.Equal([returned], Assert.Single(airtable.Requests).Headers["X-Request-ID"]);
    }

    [Fact]
    public async Task NoClientId_GeneratedIdsAreUniqueAndSentUpstream()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.GetAsync("/api/airtable/x");
            ids.Add(Assert.Single(response.Headers.GetValues("X-Request-ID")));
        }

        Assert.All(ids, id => Assert.Matches(IdPattern, id));
        Assert.Equal(5, ids.Distinct().Count());
        Assert.Equal(ids, airtable.Requests.Select(r => r.Header("X-Request-ID")));
    }

    [Theory]
    [InlineData("/api/tools", false, 401)]
    [InlineData("/nope", true, 404)]
    [InlineData("/api/airtable/x", true, 502)]
    public async Task ValidClientId_ReturnedOnGatewayErrors(string path, bool withKey, int status)
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var request = GatewayHost.Request(HttpMethod.Get, path, withKey);
        request.Headers.Add("X-Request-ID", "trace-me-123");
        using var response = await gateway.SendAsync(request);

        var problem = await Problem.AssertAsync(response, status);
        Assert.Equal("trace-me-123", problem.GetProperty("requestId").GetString());
    }

    [Theory]
    [InlineData("/api/tools", false, 401)]
    [InlineData("/nope", true, 404)]
    public async Task MalformedClientId_ReplacedOnGatewayErrors(string path, bool withKey, int status)
    {
        await using var gateway = await GatewayHost.StartAsync();

        var response = await SendRawAsync(gateway, path, "bad id/" + new string('x', 130), withKey);

        Assert.Equal(status, response.Status);
        var returned = response.Header("X-Request-ID");
        Assert.Matches(IdPattern, returned);
        Assert.Contains($"\"requestId\":\"{returned}\"", response.BodyText.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidClientId_ReturnedOn429()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "1" });

        using (var first = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        request.Headers.Add("X-Request-ID", "limited-1");
        using var response = await gateway.SendAsync(request);

        var problem = await Problem.AssertAsync(response, 429);
        Assert.Equal("limited-1", problem.GetProperty("requestId").GetString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    [InlineData("/api/health")]
    public async Task ValidClientId_ReturnedOnProbeRoutes(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var request = GatewayHost.Request(HttpMethod.Get, path, withKey: false);
        request.Headers.Add("X-Request-ID", "probe-7");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("probe-7", Assert.Single(response.Headers.GetValues("X-Request-ID")));
    }

    private static Task<RawResponse> SendRawAsync(GatewayHost gateway, string path, string id, bool withKey) =>
        RawConnection.SendAsync(gateway.Port,
            $"GET {path} HTTP/1.1\r\nHost: gw\r\n" +
            (withKey ? $"X-API-Key: {GatewayHost.ApiKey}\r\n" : "") +
            $"X-Request-ID: {id}\r\nConnection: close\r\n\r\n");
}
