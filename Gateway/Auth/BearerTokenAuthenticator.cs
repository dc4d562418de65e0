using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Validates an <c>Authorization: Bearer</c> token through the JWT bearer handler (only called when such a header is
/// present) and turns the principal into a <see cref="ClientIdentity"/>: the subject (<c>sub</c>, else <c>client_id</c>
/// or <c>azp</c>) as the client id, scopes from <c>scope</c> and <c>scp</c> (space-separated or repeated).
/// </summary>
internal sealed class BearerTokenAuthenticator
{
    private const string BearerPrefix = "Bearer ";

    public BearerTokenAuthenticator(IOptions<AuthOptions> options) => Enabled = options.Value.Jwt.Enabled;

    /// <summary>True when bearer tokens are configured.</summary>
    public bool Enabled { get; }

    /// <summary>True when the request carries one <c>Authorization</c> header with the Bearer scheme.</summary>
    public static bool HasBearer(HttpRequest request)
    {
        var values = request.Headers[HeaderNames.Authorization];
        return values.Count == 1 && values[0] is { Length: > 7 } value && value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The client the token belongs to, or null when it is not valid (expired, wrong signature, issuer, audience...).</summary>
    public static async Task<ClientIdentity?> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(JwtBearerSetup.Scheme);
        return result.Succeeded && result.Principal is { } principal ? ToIdentity(principal) : null;
    }

    internal static ClientIdentity? ToIdentity(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirst("sub")?.Value ?? principal.FindFirst("client_id")?.Value ?? principal.FindFirst("azp")?.Value;
        if (string.IsNullOrEmpty(subject) || subject.Length > 256 || !System.Text.Ascii.IsValid(subject) || subject.AsSpan().ContainsAny(ApiKeyAuthenticator.InvalidKeyChars))
        {
            return null;
        }

        var scopes = new List<string>();
        foreach (var claim in principal.Claims)
        {
            if (claim.Type is not ("scope" or "scp"))
            {
                continue;
            }

            foreach (var scope in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!scopes.Contains(scope))
                {
                    scopes.Add(scope);
                }
            }
        }

        return new ClientIdentity(subject, scopes, fromBearerToken: true);
    }
}
