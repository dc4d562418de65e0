using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Configures the ASP.NET Core JWT bearer handler from <see cref="JwtOptions"/>, tightening the framework's defaults:
/// lifetime and signature always checked, clock skew at most 30 s (not 5 minutes), the accepted algorithms pinned to the
/// key type (HS256 for a shared secret, asymmetric ones for an authority's JWKS) so <c>alg: none</c> and HS/RS
/// confusion fail, claims kept under their JWT names.
/// </summary>
internal sealed class JwtBearerSetup : IConfigureNamedOptions<JwtBearerOptions>
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Signature algorithms accepted from an authority's JWKS: asymmetric only.</summary>
    internal static readonly string[] AsymmetricAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JwtOptions _jwt;

    public JwtBearerSetup(IOptions<AuthOptions> auth) => _jwt = auth.Value.Jwt;

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != Scheme || !_jwt.Enabled)
        {
            return;
        }

        options.MapInboundClaims = false;
        options.SaveToken = false;
        options.IncludeErrorDetails = false;
        var parameters = options.TokenValidationParameters;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.RequireSignedTokens = true;
        parameters.ValidateIssuerSigningKey = true;
        parameters.ClockSkew = TimeSpan.FromSeconds(_jwt.ClockSkewSeconds);
        parameters.NameClaimType = "sub";

        if (!string.IsNullOrEmpty(_jwt.Secret))
        {
            parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_jwt.Secret));
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            var authority = new Uri(_jwt.Authority!);
            options.Authority = _jwt.Authority;
            options.RequireHttpsMetadata = !AuthOptionsValidator.IsLoopback(authority);
            options.AutomaticRefreshInterval = TimeSpan.FromMinutes(_jwt.KeysRefreshMinutes);
            options.RefreshInterval = TimeSpan.FromSeconds(30);
            options.RefreshOnIssuerKeyNotFound = true;
            options.BackchannelTimeout = TimeSpan.FromSeconds(10);
            parameters.ValidAlgorithms = AsymmetricAlgorithms;
        }

        // An authority's metadata supplies its issuer; an explicit issuer is required as well when set.
        parameters.ValidateIssuer = !string.IsNullOrEmpty(_jwt.Issuer) || !string.IsNullOrEmpty(_jwt.Authority);
        parameters.ValidIssuer = string.IsNullOrEmpty(_jwt.Issuer) ? null : _jwt.Issuer;
        parameters.ValidateAudience = !string.IsNullOrEmpty(_jwt.Audience);
        parameters.ValidAudience = string.IsNullOrEmpty(_jwt.Audience) ? null : _jwt.Audience;
    }
}
