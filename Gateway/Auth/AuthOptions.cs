namespace PyAirtable.Gateway.Auth;

/// <summary>Client credentials (section <c>Gateway:Auth</c>).</summary>
internal sealed class AuthOptions
{
    public const string Section = "Gateway:Auth";

    /// <summary>The key accepted in <c>X-API-Key</c> (client <c>default</c>, every scope) and presented to the services.</summary>
    public string? ApiKey { get; set; }
}
