namespace PyAirtable.Gateway.Auth;

/// <summary>Client credentials and per-route scopes (section <c>Gateway:Auth</c>). At least one credential source is required.</summary>
internal sealed class AuthOptions
{
    public const string Section = "Gateway:Auth";

    /// <summary>The key accepted in <c>X-API-Key</c> (client <c>default</c>, every scope) and presented to the services.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Named client keys, each with its own scopes.</summary>
    public NamedApiKeyOptions[] Keys { get; set; } = [];

    /// <summary>Bearer tokens: a shared HS256 secret or an OIDC authority.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Scopes that routes require, by route template and method; none by default.</summary>
    public RouteScopeOptions[] RouteScopes { get; set; } = [];

    /// <summary>True when some way of authenticating a client is configured.</summary>
    public bool HasAnyCredential => !string.IsNullOrEmpty(ApiKey) || Keys.Length > 0 || Jwt.Enabled;
}
