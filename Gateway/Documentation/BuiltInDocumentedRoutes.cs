using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// <see cref="IDocumentedRoutes"/> over the built-in route table (<see cref="GatewayRoutes.All"/>): the upstream path is
/// the client path without the route's strip prefix, services are named as in <c>Gateway:Services</c>, and methods
/// that need different scopes (<c>Gateway:Auth:RouteScopes</c>) become separate entries.
/// </summary>
internal sealed class BuiltInDocumentedRoutes : IDocumentedRoutes
{
    private readonly UpstreamServices _services;
    private readonly RouteScopes _scopes;

    public BuiltInDocumentedRoutes(UpstreamServices services, RouteScopes scopes, ReloadableOptions<AuthOptions> auth, ReloadableOptions<ServicesOptions> urls)
    {
        _services = services;
        _scopes = scopes;
        auth.Changed += _ => Changed?.Invoke();
        urls.Changed += _ => Changed?.Invoke();
    }

    public event Action? Changed;

    public IReadOnlyList<DocumentedRoute> Routes
    {
        get
        {
            var routes = new List<DocumentedRoute>();
            foreach (var route in GatewayRoutes.All)
            {
                var upstream = route.Template[route.StripPrefix.Length..];
                var byScopes = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var method in route.Methods)
                {
                    var key = string.Join(' ', _scopes.ForRoute(route, method).ToArray());
                    if (!byScopes.TryGetValue(key, out var methods))
                    {
                        byScopes[key] = methods = [];
                    }

                    methods.Add(method);
                }

                foreach (var (key, methods) in byScopes)
                {
                    string[] scopes = key.Length == 0 ? [] : key.Split(' ');
                    routes.Add(new DocumentedRoute(route.Name, route.Template, [.. methods], route.Service.ToString(), upstream.Length == 0 ? "/" : upstream,
                        scopes.Length == 0 ? RouteAuth.Client : RouteAuth.Scopes, scopes, route.Template.StartsWith("/api/", StringComparison.Ordinal)));
                }
            }

            return routes;
        }
    }

    public DocumentedService? Service(string name)
    {
        if (!Enum.TryParse<ServiceKind>(name, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            return null;
        }

        var service = _services[kind];
        var instances = service.All;
        var urls = new string[instances.Length];
        for (var i = 0; i < instances.Length; i++)
        {
            urls[i] = instances[i].BaseUrl;
        }

        return new DocumentedService(name, urls, service.Invoker);
    }
}
