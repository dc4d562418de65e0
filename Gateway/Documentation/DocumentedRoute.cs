namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// One proxied route as the API documentation sees it. <paramref name="Path"/> and <paramref name="UpstreamPath"/> are
/// ASP.NET Core route templates (<c>{name}</c>, <c>{**rest}</c>); the values of the client path's parameters are
/// substituted into the upstream path. <paramref name="Versioned"/>: the route also answers under <c>/api/v2/...</c>.
/// </summary>
internal sealed record DocumentedRoute(
    string Name,
    string Path,
    string[] Methods,
    string Service,
    string UpstreamPath,
    RouteAuth Auth,
    string[] Scopes,
    bool Versioned);
