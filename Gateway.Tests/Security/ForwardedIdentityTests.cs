using System.Net;
using System.Net.Http.Headers;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>
/// Issue 20 "Security defects": a service never sees a client's own claim about its address, and <c>X-Client-Id</c>
/// says whether the caller is an API key (<c>key:&lt;name&gt;</c>) or a token subject (<c>sub:&lt;subject&gt;</c>).
/// </summary>
public sealed class ForwardedIdentityTests
{
    public static readonly TheoryData<string> ClientAddressHeaders = new()
    {
        "Forwarded",
        "X-Real-IP",
        "True-Client-IP",
        "X-Forwarded-Port",
        "X-Forwarded-Prefix",
        "forwarded",
        "x-real-ip",
    };

    [Theory]
    [MemberData(nameof(ClientAddressHeaders))]
    public async Task Forward_ClientAddressHeader_NeverReachesService(string name)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/bases HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\n{name}: 203.0.113.9\r\n{name}: for=203.0.113.10\r\nX-Kept: yes\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = await upstream.NextRequestAsync();
        Assert.False(received.HasHeader(name), $"{name} reached the service: {received.Header(name)}");
        Assert.DoesNotContain(received.Headers.Values.SelectMany(v => v), v => v.Contains("203.0.113.", StringComparison.Ordinal));
        Assert.Equal("yes", received.Header("X-Kept"));
        Assert.Equal("127.0.0.1", received.Header("X-Forwarded-For"));
    }

    [Fact]
    public async Task Forward_KeyAndTokenSubjectOfTheSameName_DistinctClientIds()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["JWT_SECRET"] = TestTokens.Secret,
            ["JWT_ISSUER"] = TestTokens.Issuer,
            ["JWT_AUDIENCE"] = TestTokens.Audience,
            ["Gateway:Auth:Keys:0:Name"] = "reporting",
            ["Gateway:Auth:Keys:0:Key"] = "reporting-key-0123456789",
        });

        using (var byDefaultKey = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, byDefaultKey.StatusCode);
        }

        using (var byNamedKey = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false))
        {
            byNamedKey.Headers.Add("X-API-Key", "reporting-key-0123456789");
            byNamedKey.Headers.Add("X-Client-Id", "sub:default");
            using var response = await gateway.SendAsync(byNamedKey);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var subject in new[] { "default", "reporting" })
        {
            using var byToken = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
            byToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Hs256(subject: subject));
            using var response = await gateway.SendAsync(byToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(["key:default", "key:reporting", "sub:default", "sub:reporting"], upstream.Requests.Select(r => r.Header("X-Client-Id")));
        Assert.All(upstream.Requests, r => Assert.Single(r.Headers["X-Client-Id"]));
    }
}
