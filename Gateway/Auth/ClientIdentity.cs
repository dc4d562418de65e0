namespace PyAirtable.Gateway.Auth;

/// <summary>The authenticated client: its name (sent upstream as <c>X-Client-Id</c>) and scopes.</summary>
internal sealed class ClientIdentity
{
    /// <summary>The <c>API_KEY</c> client: named <c>default</c>, holds every scope.</summary>
    public static readonly ClientIdentity Default = new("default", [], allScopes: true);

    public ClientIdentity(string clientId, IReadOnlyCollection<string> scopes, bool allScopes = false, bool fromBearerToken = false)
    {
        ClientId = clientId;
        Scopes = scopes;
        AllScopes = allScopes;
        FromBearerToken = fromBearerToken;
        PartitionKey = fromBearerToken ? "bearer:" + clientId : clientId;
    }

    public string ClientId { get; }

    /// <summary>The scopes granted (ignored when <see cref="AllScopes"/>).</summary>
    public IReadOnlyCollection<string> Scopes { get; }

    /// <summary>Holds every scope (the <c>API_KEY</c> client does).</summary>
    public bool AllScopes { get; }

    /// <summary>
    /// The client's rate-limit partition: the key name, or <c>bearer:</c> and the token subject, so a token whose
    /// subject equals a key's name (<c>default</c>, say) never shares that key's budget.
    /// </summary>
    public string PartitionKey { get; }

    /// <summary>Authenticated by a bearer token (its subject is <see cref="ClientId"/>) rather than an API key.</summary>
    public bool FromBearerToken { get; }

    public bool HasScope(string scope)
    {
        if (AllScopes)
        {
            return true;
        }

        foreach (var granted in Scopes)
        {
            if (string.Equals(granted, scope, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
