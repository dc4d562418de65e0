using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>
/// Issue 20 "Security defects", contract "Rate limiting": limits apply after authentication, so a request refused
/// with 403 for a missing scope is charged to its client like any other authenticated request.
/// </summary>
public sealed class ForbiddenChargeTests
{
    private const string ReaderKey = "reader-key-0123456789";

    private static Dictionary<string, string?> Settings(string perMinute) => new()
    {
        ["RATE_LIMIT_PER_MINUTE"] = perMinute,
        ["Gateway:Auth:Keys:0:Name"] = "reader",
        ["Gateway:Auth:Keys:0:Key"] = ReaderKey,
        ["Gateway:Auth:Keys:0:Scopes:0"] = "airtable:read",
        ["Gateway:Auth:RouteScopes:0:Route"] = "/api/airtable/{**path}",
        ["Gateway:Auth:RouteScopes:0:Methods:0"] = "DELETE",
        ["Gateway:Auth:RouteScopes:0:Scope"] = "airtable:write",
    };

    private static async Task<HttpResponseMessage> SendAsync(GatewayHost gateway, HttpMethod method, string path)
    {
        using var request = GatewayHost.Request(method, path, withKey: false);
        request.Headers.Add("X-API-Key", ReaderKey);
        return await gateway.SendAsync(request);
    }

    [Fact]
    public async Task MissingScopeOnProxiedRoute_403IsCharged_ThenTheBudgetIsSpent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings("2"));

        for (var i = 0; i < 2; i++)
        {
            using var forbidden = await SendAsync(gateway, HttpMethod.Delete, "/api/airtable/bases/app1");
            await Problem.AssertAsync(forbidden, 403);
            Assert.Equal("2", forbidden.Headers.GetValues("RateLimit-Limit").Single());
            Assert.Equal((1 - i).ToString(System.Globalization.CultureInfo.InvariantCulture), forbidden.Headers.GetValues("RateLimit-Remaining").Single());
        }

        using var limited = await SendAsync(gateway, HttpMethod.Get, "/api/airtable/bases");
        using var limitedForbidden = await SendAsync(gateway, HttpMethod.Delete, "/api/airtable/bases/app1");

        await Problem.AssertAsync(limited, 429);
        await Problem.AssertAsync(limitedForbidden, 429);
        Assert.Equal(0, upstream.ContactCount);

        // The API_KEY client has its own budget.
        using var other = await gateway.GetAsync("/api/airtable/bases");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task MissingAdminScopeOnGatewayEndpoint_403IsChargedToTheGlobalLimit()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings("2"));

        for (var i = 0; i < 2; i++)
        {
            using var forbidden = await SendAsync(gateway, HttpMethod.Get, "/_gateway/config");
            await Problem.AssertAsync(forbidden, 403);
        }

        using var limited = await SendAsync(gateway, HttpMethod.Get, "/api/airtable/bases");

        await Problem.AssertAsync(limited, 429);
        Assert.Equal(0, upstream.ContactCount);
    }
}
