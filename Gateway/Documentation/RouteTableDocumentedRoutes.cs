using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// <see cref="IDocumentedRoutes"/> over the route table in force (<see cref="RouteTableProvider"/>): built-in and
/// configured routes in the table's order, services by their configuration names, and methods that need different
/// scopes (the route's own <c>Scopes</c> plus <c>Gateway:Auth:RouteScopes</c>) as separate entries. Changes when the
/// table is replaced or the scope settings reload.
/// </summary>
internal sealed class RouteTableDocumentedRoutes : IDocumentedRoutes
{
    private readonly RouteTableProvider _routes;
    private readonly RouteScopes _scopes;

    public RouteTableDocumentedRoutes(RouteTableProvider routes, RouteScopes scopes, ReloadableOptions<AuthOptions> auth)
    {
        _routes = routes;
        _scopes = scopes;
        routes.Changed += _ => Changed?.Invoke();
        auth.Changed += _ => Changed?.Invoke();
    }

    public event Action? Changed;

    public IReadOnlyList<DocumentedRoute> Routes
    {
        get
        {
            var routes = new List<DocumentedRoute>();
            foreach (var entry in _routes.Current.Routes)
            {
                var byScopes = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var method in entry.Methods)
                {
                    var scopes = new List<string>(entry.Scopes);
                    foreach (var scope in _scopes.ForRoute(entry.Endpoints[0], method))
                    {
                        if (!scopes.Contains(scope))
                        {
                            scopes.Add(scope);
                        }
                    }

                    var key = string.Join(' ', scopes);
                    if (!byScopes.TryGetValue(key, out var methods))
                    {
                        byScopes[key] = methods = [];
                    }

                    methods.Add(method);
                }

                foreach (var (key, methods) in byScopes)
                {
                    string[] scopes = key.Length == 0 ? [] : key.Split(' ');
                    var auth = entry.Auth == Routing.RouteAuth.None ? RouteAuth.None : scopes.Length == 0 ? RouteAuth.Client : RouteAuth.Scopes;
                    routes.Add(new DocumentedRoute(entry.Name, entry.Path, [.. methods], entry.ServiceName, entry.UpstreamPath, auth, scopes, entry.Versioned));
                }
            }

            return routes;
        }
    }

    public DocumentedService? Service(string name)
    {
        if (!_routes.Current.Services.TryGetValue(name, out var service))
        {
            return null;
        }

        var instances = service.All;
        var urls = new string[instances.Length];
        for (var i = 0; i < instances.Length; i++)
        {
            urls[i] = instances[i].BaseUrl;
        }

        return new DocumentedService(name, urls, service.Invoker);
    }
}
