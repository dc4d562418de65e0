namespace PyAirtable.Gateway.Auth;

/// <summary>
/// The authenticated client: its id (sent upstream as <c>X-Client-Id</c>, its rate-limit partition, the access log's
/// client) and scopes. The id says how the client authenticated, so an API key's name and a token's subject never
/// look alike: <c>key:&lt;name&gt;</c> for an API key (the <c>API_KEY</c> client is <c>key:default</c>),
/// <c>sub:&lt;subject&gt;</c> for a bearer token.
/// </summary>
internal sealed class ClientIdentity
{
    public const string KeyPrefix = "key:";
    public const string SubjectPrefix = "sub:";

    /// <summary>The name of the <c>API_KEY</c> client.</summary>
    public const string DefaultName = "default";

    /// <summary>The <c>API_KEY</c> client: <c>key:default</c>, holds every scope.</summary>
    public static readonly ClientIdentity Default = new(DefaultName, [], allScopes: true);

    public ClientIdentity(string name, IReadOnlyCollection<string> scopes, bool allScopes = false, bool fromBearerToken = false)
    {
        Name = name;
        ClientId = (fromBearerToken ? SubjectPrefix : KeyPrefix) + name;
        Scopes = scopes;
        AllScopes = allScopes;
        FromBearerToken = fromBearerToken;
    }

    /// <summary>The key's configured name, or the token's subject.</summary>
    public string Name { get; }

    /// <summary><c>key:&lt;name&gt;</c> or <c>sub:&lt;subject&gt;</c>: unambiguous, also as the client's rate-limit partition.</summary>
    public string ClientId { get; }

    /// <summary>The scopes granted (ignored when <see cref="AllScopes"/>).</summary>
    public IReadOnlyCollection<string> Scopes { get; }

    /// <summary>Holds every scope (the <c>API_KEY</c> client does).</summary>
    public bool AllScopes { get; }

    /// <summary>Authenticated by a bearer token (its subject is <see cref="Name"/>) rather than an API key.</summary>
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
