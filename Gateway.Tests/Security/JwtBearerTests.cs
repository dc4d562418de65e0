using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Issue 4: JWT bearer tokens with a shared HS256 secret (JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE).</summary>
public sealed class JwtBearerTests
{
    private static readonly string[] WriteScope = ["airtable:write"];

    private static Dictionary<string, string?> JwtSettings(bool withApiKey = true) => new()
    {
        ["API_KEY"] = withApiKey ? GatewayHost.ApiKey : null,
        ["JWT_SECRET"] = TestTokens.Secret,
        ["JWT_ISSUER"] = TestTokens.Issuer,
        ["JWT_AUDIENCE"] = TestTokens.Audience,
    };

    private static async Task<HttpResponseMessage> SendBearerAsync(GatewayHost gateway, string token, string path = "/api/tools")
    {
        using var request = GatewayHost.Request(HttpMethod.Get, path, withKey: false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await gateway.SendAsync(request);
    }

    public static TheoryData<string, string> BadTokens()
    {
        var now = DateTime.UtcNow;
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        return new TheoryData<string, string>
        {
            { "expired a minute ago (beyond the 30 s skew)", TestTokens.Hs256(notBefore: now.AddMinutes(-10), expires: now.AddSeconds(-60)) },
            { "not valid for another five minutes", TestTokens.Hs256(notBefore: now.AddMinutes(5), expires: now.AddMinutes(10)) },
            { "wrong audience", TestTokens.Hs256(audience: "someone-else") },
            { "no audience", TestTokens.Hs256(audience: null) },
            { "wrong issuer", TestTokens.Hs256(issuer: "https://evil.test") },
            { "signed with another secret", TestTokens.Hs256(secret: "another-secret-of-at-least-thirty-two-bytes!") },
            { "signature tampered", TestTokens.TamperSignature(TestTokens.Hs256()) },
            { "alg none", TestTokens.AlgNone() },
            { "RS256 to an HS256 gateway", TestTokens.Create(new RsaSecurityKey(rsa) { KeyId = "k" }, SecurityAlgorithms.RsaSha256) },
            { "HS384 with the same secret (only HS256 is accepted)", TestTokens.Create(TestTokens.SecretKey(), SecurityAlgorithms.HmacSha384) },
            { "no subject", TestTokens.Hs256(subject: null) },
            { "not a JWT", "not.a.token" },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadToken_Returns401AndNotForwarded(string why, string token)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, JwtSettings());

        using var response = await SendBearerAsync(gateway, token);

        var problem = await Problem.AssertAsync(response, 401);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter!.Contains("invalid_token", StringComparison.Ordinal));
        Assert.DoesNotContain(token, problem.ToString(), StringComparison.Ordinal);
        Assert.True(upstream.ContactCount == 0, why);
    }

    [Fact]
    public async Task ValidToken_Forwarded_SubjectAsClientId_TokenNotPassedUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, JwtSettings(withApiKey: false));

        using var response = await SendBearerAsync(gateway, TestTokens.Hs256(subject: "user-42"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = await upstream.NextRequestAsync();
        Assert.Equal("sub:user-42", received.Header("X-Client-Id"));
        Assert.False(received.HasHeader("Authorization"));
        Assert.False(received.HasHeader("X-API-Key"));
    }

    [Fact]
    public async Task FrameworkAuthenticationMiddleware_NotInPipeline_TokenStillValidatedByName()
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        foreach (var (key, value) in JwtSettings())
        {
            settings[key] = value;
        }

        await using var app = Program.CreateApp(GatewayHost.Arguments(settings));
        app.MapGet("/probe", static (HttpContext context) =>
                context.Features.Get<IAuthenticationFeature>() is null ? "no authentication middleware" : "authentication middleware ran")
            .RequireGatewayScope("probe:read");
        await app.StartAsync().WithTimeout();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var valid = new HttpRequestMessage(HttpMethod.Get, "/probe");
        valid.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Hs256(claims: new Dictionary<string, object> { ["scope"] = "probe:read" }));
        using var accepted = await client.SendAsync(valid).WithTimeout();
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/probe");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.TamperSignature(TestTokens.Hs256(claims: new Dictionary<string, object> { ["scope"] = "probe:read" })));
        using var rejected = await client.SendAsync(forged).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("no authentication middleware", await accepted.Content.ReadAsStringAsync());
        await Problem.AssertAsync(rejected, 401);
        await app.StopAsync();
    }

    [Fact]
    public async Task ExpiredWithinThirtySecondSkew_Accepted()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, JwtSettings());
        var now = DateTime.UtcNow;

        using var response = await SendBearerAsync(gateway, TestTokens.Hs256(notBefore: now.AddMinutes(-5), expires: now.AddSeconds(-10)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ApiKeyAndBearer_BothAccepted_OnOneGateway()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, JwtSettings());

        using var byKey = await gateway.GetAsync("/api/tools");
        using var byToken = await SendBearerAsync(gateway, TestTokens.Hs256());

        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
        Assert.Equal(["key:default", "sub:client-1"], upstream.Requests.Select(r => r.Header("X-Client-Id")));
    }

    [Fact]
    public async Task TokenSubjectNamedLikeAKey_HasItsOwnRateLimitBudget()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var settings = JwtSettings();
        settings["RATE_LIMIT_PER_MINUTE"] = "1";
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);

        using var byKey = await gateway.GetAsync("/api/tools");
        using var byToken = await SendBearerAsync(gateway, TestTokens.Hs256(subject: "default"));
        using var byKeyAgain = await gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, byKeyAgain.StatusCode);
    }

    [Fact]
    public async Task NoCredentials_401ChallengesBothSchemes()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, JwtSettings());

        using var response = await gateway.GetAsync("/api/tools", withKey: false);

        await Problem.AssertAsync(response, 401);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "ApiKey");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task TokenInQueryString_Refused()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, JwtSettings());

        using var response = await gateway.GetAsync("/api/tools?access_token=" + TestTokens.Hs256(), withKey: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task TokenScopes_FromScopeAndScpClaims_Honoured()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var settings = JwtSettings();
        settings["Gateway:Auth:RouteScopes:0:Route"] = "/api/airtable/{**path}";
        settings["Gateway:Auth:RouteScopes:0:Methods:0"] = "POST";
        settings["Gateway:Auth:RouteScopes:0:Scope"] = "airtable:write";
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);

        async Task<HttpResponseMessage> PostAsync(string token)
        {
            using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/bases/app1/records", withKey: false, json: "{}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await gateway.SendAsync(request);
        }

        using var viaScope = await PostAsync(TestTokens.Hs256(claims: new Dictionary<string, object> { ["scope"] = "airtable:read airtable:write" }));
        using var viaScp = await PostAsync(TestTokens.Hs256(claims: new Dictionary<string, object> { ["scp"] = WriteScope }));
        using var without = await PostAsync(TestTokens.Hs256(claims: new Dictionary<string, object> { ["scope"] = "airtable:read" }));

        Assert.Equal(HttpStatusCode.OK, viaScope.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viaScp.StatusCode);
        await Problem.AssertAsync(without, 403);
        Assert.Contains(without.Headers.WwwAuthenticate, h => h.Parameter!.Contains("insufficient_scope", StringComparison.Ordinal));
        Assert.Equal(2, upstream.ContactCount);
    }
}
