namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Endpoint metadata: the endpoint needs an authenticated client holding <see cref="Scope"/> (401 without credentials,
/// 403 without the scope). Endpoints under <c>/_gateway/</c> need <c>admin</c> even without it.
/// Put it on an endpoint with <c>.RequireGatewayScope("admin")</c> or <c>.WithMetadata(new RequiresScopeAttribute("admin"))</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
internal sealed class RequiresScopeAttribute : Attribute
{
    /// <summary>The scope of the gateway's own administrative endpoints (<c>/_gateway/*</c>, the dashboard feed).</summary>
    public const string Admin = "admin";

    public static readonly RequiresScopeAttribute AdminScope = new(Admin);

    /// <summary>Any authenticated client, whatever its scopes (the empty scope: the WebSocket stats; the GraphQL endpoint, whose fields check each route's own).</summary>
    public static readonly RequiresScopeAttribute AnyClient = new("");

    public RequiresScopeAttribute(string scope) => Scope = scope;

    public string Scope { get; }
}
