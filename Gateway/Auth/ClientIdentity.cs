namespace PyAirtable.Gateway.Auth;

/// <summary>The authenticated client: its name (sent upstream as <c>X-Client-Id</c>) and scopes.</summary>
internal sealed class ClientIdentity
{
    /// <summary>The <c>API_KEY</c> client.</summary>
    public static readonly ClientIdentity Default = new("default", allScopes: true);

    public ClientIdentity(string clientId, bool allScopes)
    {
        ClientId = clientId;
        AllScopes = allScopes;
    }

    public string ClientId { get; }

    /// <summary>Holds every scope (the <c>API_KEY</c> client does).</summary>
    public bool AllScopes { get; }
}
