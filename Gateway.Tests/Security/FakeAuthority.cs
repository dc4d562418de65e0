using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>
/// A minimal OIDC authority on 127.0.0.1:0 (real Kestrel): discovery document and a JWKS with one RSA key, and the
/// matching private key to sign test tokens with.
/// </summary>
internal sealed class FakeAuthority : IAsyncDisposable
{
    public const string KeyId = "test-key-1";

    private static readonly string[] Algorithms = ["RS256"];

    private readonly WebApplication _app;
    private int _jwksRequests;

    private FakeAuthority(WebApplication app, RSA rsa)
    {
        _app = app;
        Rsa = rsa;
    }

    public RSA Rsa { get; }

    /// <summary>The authority URL, which is also the issuer.</summary>
    public string Url { get; private set; } = "";

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public RsaSecurityKey SigningKey => new(Rsa) { KeyId = KeyId };

    public static async Task<FakeAuthority> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var authority = new FakeAuthority(app, RSA.Create(2048));
        app.MapGet("/.well-known/openid-configuration", (HttpContext context) => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = authority.Url,
            ["jwks_uri"] = authority.Url + "/jwks",
            ["id_token_signing_alg_values_supported"] = Algorithms,
        }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref authority._jwksRequests);
            var parameters = authority.Rsa.ExportParameters(false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["alg"] = "RS256",
                        ["kid"] = KeyId,
                        ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                    },
                },
            });
        });
        await app.StartAsync().WithTimeout();
        authority.Url = app.Urls.Single().TrimEnd('/');
        return authority;
    }

    /// <summary>An RS256 token from this authority.</summary>
    public string Token(string subject = "client-1", string? issuer = null, string? audience = TestTokens.Audience, IDictionary<string, object>? claims = null) =>
        TestTokens.Create(SigningKey, SecurityAlgorithms.RsaSha256, subject, issuer ?? Url, audience, claims: claims);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Rsa.Dispose();
    }
}
