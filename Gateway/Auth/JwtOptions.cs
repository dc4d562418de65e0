namespace PyAirtable.Gateway.Auth;

/// <summary>Bearer-token validation (section <c>Gateway:Auth:Jwt</c>): either <see cref="Secret"/> or <see cref="Authority"/>.</summary>
internal sealed class JwtOptions
{
    /// <summary>The HS256 shared secret (its UTF-8 bytes are the key, at least 32 bytes).</summary>
    public string? Secret { get; set; }

    /// <summary>The OIDC authority whose JWKS verifies tokens; https unless it is a loopback address.</summary>
    public string? Authority { get; set; }

    /// <summary>When set, tokens must carry this issuer (an authority implies its own issuer).</summary>
    public string? Issuer { get; set; }

    /// <summary>When set, tokens must carry this audience.</summary>
    public string? Audience { get; set; }

    /// <summary>Clock skew allowed on <c>exp</c> and <c>nbf</c>, in seconds (at most 30).</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Minutes between scheduled refreshes of the authority's signing keys (an unknown key id triggers an earlier one).</summary>
    public int KeysRefreshMinutes { get; set; } = 60;

    public bool Enabled => !string.IsNullOrEmpty(Secret) || !string.IsNullOrEmpty(Authority);
}
