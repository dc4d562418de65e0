using System.Net;
using System.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Issue 4: JWT bearer tokens verified by an OIDC authority's JWKS (JWT_AUTHORITY), including HS/RS confusion.</summary>
public sealed class OidcAuthorityTests
{
    private static Dictionary<string, string?> Settings(FakeAuthority authority) => new()
    {
        ["API_KEY"] = null,
        ["JWT_AUTHORITY"] = authority.Url,
        ["JWT_AUDIENCE"] = TestTokens.Audience,
    };

    private static async Task<HttpResponseMessage> SendBearerAsync(GatewayHost gateway, string token)
    {
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await gateway.SendAsync(request);
    }

    [Fact]
    public async Task Rs256TokenFromAuthority_Forwarded()
    {
        await using var authority = await FakeAuthority.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings(authority));

        using var response = await SendBearerAsync(gateway, authority.Token(subject: "svc-reporting"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("sub:svc-reporting", (await upstream.NextRequestAsync()).Header("X-Client-Id"));
        Assert.True(authority.JwksRequests >= 1);
    }

    [Fact]
    public async Task HmacTokenKeyedWithPublicKey_Returns401()
    {
        await using var authority = await FakeAuthority.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings(authority));

        using var response = await SendBearerAsync(gateway, TestTokens.HmacWithPublicKey(authority.Rsa, FakeAuthority.KeyId, authority.Url));

        await Problem.AssertAsync(response, 401);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task AlgNone_Returns401()
    {
        await using var authority = await FakeAuthority.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings(authority));

        using var response = await SendBearerAsync(gateway, TestTokens.AlgNone(issuer: authority.Url));

        await Problem.AssertAsync(response, 401);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task IssuerOtherThanAuthority_Returns401()
    {
        await using var authority = await FakeAuthority.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings(authority));

        using var response = await SendBearerAsync(gateway, authority.Token(issuer: "https://evil.test"));

        await Problem.AssertAsync(response, 401);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task TokenSignedByUnknownKey_Returns401()
    {
        await using var authority = await FakeAuthority.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, Settings(authority));
        using var other = System.Security.Cryptography.RSA.Create(2048);

        var forged = TestTokens.Create(new RsaSecurityKey(other) { KeyId = FakeAuthority.KeyId }, SecurityAlgorithms.RsaSha256, issuer: authority.Url);
        using var response = await SendBearerAsync(gateway, forged);

        await Problem.AssertAsync(response, 401);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("http://idp.example.com")]
    [InlineData("ftp://idp.example.com")]
    [InlineData("not a url")]
    public async Task AuthorityNotHttpsNorLoopback_StartupFails(string authority)
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?> { ["API_KEY"] = null, ["JWT_AUTHORITY"] = authority });

        Assert.Contains("JWT_AUTHORITY", error, StringComparison.Ordinal);
        Assert.Contains("https", error, StringComparison.Ordinal);
    }
}
