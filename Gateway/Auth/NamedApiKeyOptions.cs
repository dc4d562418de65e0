namespace PyAirtable.Gateway.Auth;

/// <summary>One named client key (an item of <c>Gateway:Auth:Keys</c>): the key in plain text or as its SHA-256 hash.</summary>
internal sealed class NamedApiKeyOptions
{
    /// <summary>The client's name, sent upstream as <c>X-Client-Id</c> and used as its rate-limit partition.</summary>
    public string Name { get; set; } = "";

    /// <summary>The key in plain text (set this or <see cref="KeySha256"/>).</summary>
    public string? Key { get; set; }

    /// <summary>The SHA-256 of the key's UTF-8 bytes as 64 hex digits, so configuration files need not hold the secret.</summary>
    public string? KeySha256 { get; set; }

    /// <summary>Scopes this client holds.</summary>
    public string[] Scopes { get; set; } = [];
}
