namespace PyAirtable.Gateway.Routing;

/// <summary>Who may call a route.</summary>
internal enum RouteAuth
{
    /// <summary>Anyone: no credentials are checked (the request is still rate limited by client address).</summary>
    None,

    /// <summary>Any authenticated client (the default).</summary>
    Client,

    /// <summary>An authenticated client holding every scope the route lists.</summary>
    Scopes,
}
