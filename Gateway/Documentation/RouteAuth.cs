namespace PyAirtable.Gateway.Documentation;

/// <summary>Who may call a route, as its documentation states it.</summary>
internal enum RouteAuth
{
    /// <summary>No credentials.</summary>
    None,

    /// <summary>Any authenticated client (API key or bearer token).</summary>
    Client,

    /// <summary>An authenticated client holding every scope of <see cref="DocumentedRoute.Scopes"/>.</summary>
    Scopes,
}
