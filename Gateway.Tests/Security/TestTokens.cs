using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Signed (and deliberately broken) JWTs for the bearer-token tests.</summary>
internal static class TestTokens
{
    public const string Secret = "0123456789abcdef0123456789abcdef0123456789abcdef-gateway-secret";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "pyairtable-gateway";

    public static SymmetricSecurityKey SecretKey(string secret = Secret) => new(Encoding.UTF8.GetBytes(secret));

    /// <summary>A token with the given claims; lifetime relative to now unless given.</summary>
    public static string Create(
        SecurityKey key,
        string algorithm,
        string? subject = "client-1",
        string? issuer = Issuer,
        string? audience = Audience,
        DateTime? notBefore = null,
        DateTime? expires = null,
        IDictionary<string, object>? claims = null)
    {
        var now = DateTime.UtcNow;
        var values = new Dictionary<string, object>(claims ?? new Dictionary<string, object>());
        if (subject is not null)
        {
            values["sub"] = subject;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = (notBefore ?? now).AddSeconds(-1),
            NotBefore = notBefore ?? now.AddSeconds(-1),
            Expires = expires ?? now.AddMinutes(5),
            Claims = values,
            SigningCredentials = new SigningCredentials(key, algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public static string Hs256(
        string? subject = "client-1",
        string? issuer = Issuer,
        string? audience = Audience,
        DateTime? notBefore = null,
        DateTime? expires = null,
        IDictionary<string, object>? claims = null,
        string secret = Secret) =>
        Create(SecretKey(secret), SecurityAlgorithms.HmacSha256, subject, issuer, audience, notBefore, expires, claims);

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public static string AlgNone(string subject = "client-1", string issuer = Issuer, string audience = Audience)
    {
        var now = DateTimeOffset.UtcNow;
        var header = Base64Url("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64Url($$"""{"sub":"{{subject}}","iss":"{{issuer}}","aud":"{{audience}}","nbf":{{now.AddSeconds(-1).ToUnixTimeSeconds()}},"exp":{{now.AddMinutes(5).ToUnixTimeSeconds()}}}""");
        return $"{header}.{payload}.";
    }

    /// <summary>
    /// The HS/RS confusion attack: a token claiming HS256, its HMAC keyed with the bytes of the RSA public key the
    /// server publishes (as a verifier that trusted the header's algorithm would compute it).
    /// </summary>
    public static string HmacWithPublicKey(RSA rsa, string kid, string? issuer, string? audience = Audience)
    {
        var publicPem = Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        var key = new SymmetricSecurityKey(publicPem) { KeyId = kid };
        return Create(key, SecurityAlgorithms.HmacSha256, issuer: issuer, audience: audience);
    }

    public static string Base64Url(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Changes the last character of the signature so it no longer verifies.</summary>
    public static string TamperSignature(string token)
    {
        var last = token[^1];
        return token[..^1] + (last == 'A' ? 'B' : 'A');
    }
}
