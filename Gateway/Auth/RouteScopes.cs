using Microsoft.AspNetCore.Routing;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// The scopes a request needs: the endpoint's <see cref="RequiresScopeAttribute"/>, <c>admin</c> for anything under
/// <c>/_gateway/</c>, and for proxied routes the route's own <c>Scopes</c> plus the older per-template setting
/// <c>Gateway:Auth:RouteScopes</c> (none by default). The latter is resolved into per-template, per-method arrays
/// (again whenever the configuration file reloads), keyed by the route's unversioned template so every version of a
/// route needs the same scopes; a request costs a lookup (none when no rule is configured) and no allocation.
/// </summary>
internal sealed class RouteScopes
{
    /// <summary>Route patterns under this prefix are the gateway's own administrative endpoints.</summary>
    public const string AdminPathPrefix = "/_gateway";

    private volatile Dictionary<string, (string Method, string[] Scopes)[]> _byRoute;

    public RouteScopes(ReloadableOptions<AuthOptions> options)
    {
        _byRoute = Build(options.Current);
        options.Changed += changed => _byRoute = Build(changed);
    }

    /// <summary>The per-route, per-method table for <paramref name="options"/>; replaced whole when the configuration reloads.</summary>
    private static Dictionary<string, (string Method, string[] Scopes)[]> Build(AuthOptions options)
    {
        var table = new Dictionary<string, (string Method, string[] Scopes)[]>(StringComparer.OrdinalIgnoreCase);
        var scopesByRoute = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in options.RouteScopes)
        {
            var route = BuiltInRoutes.FindByPath(rule.Route);
            if (route is null)
            {
                continue;
            }

            if (!scopesByRoute.TryGetValue(route.Path, out var byMethod))
            {
                scopesByRoute[route.Path] = byMethod = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            }

            foreach (var method in BuiltInRoutes.MethodsOf(route))
            {
                if (!AppliesTo(rule.Methods, method))
                {
                    continue;
                }

                if (!byMethod.TryGetValue(method, out var scopes))
                {
                    byMethod[method] = scopes = [];
                }

                if (!scopes.Contains(rule.Scope))
                {
                    scopes.Add(rule.Scope);
                }
            }
        }

        foreach (var (route, byMethod) in scopesByRoute)
        {
            var entries = new List<(string, string[])>();
            foreach (var (method, scopes) in byMethod)
            {
                entries.Add((method, [.. scopes]));
            }

            table[route] = [.. entries];
        }

        return table;
    }

    /// <summary>
    /// The scope a non-proxied endpoint needs: its <see cref="RequiresScopeAttribute"/>, else <c>admin</c> under
    /// <c>/_gateway/</c>, else null (the endpoint is open).
    /// </summary>
    public static string? ForEndpoint(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<RequiresScopeAttribute>() is { } required)
        {
            return required.Scope;
        }

        return endpoint is RouteEndpoint { RoutePattern.RawText: { } pattern } && IsAdminPath(pattern) ? RequiresScopeAttribute.Admin : null;
    }

    /// <summary>The scopes <c>Gateway:Auth:RouteScopes</c> adds to a proxied route for <paramref name="method"/> (empty when none).</summary>
    public ReadOnlySpan<string> ForRoute(GatewayRoute route, string method)
    {
        var byRoute = _byRoute;
        if (byRoute.Count == 0 || !byRoute.TryGetValue(route.Entry.Path, out var entries))
        {
            return default;
        }

        foreach (var (entryMethod, scopes) in entries)
        {
            if (ReferenceEquals(entryMethod, method) || string.Equals(entryMethod, method, StringComparison.OrdinalIgnoreCase))
            {
                return scopes;
            }
        }

        return default;
    }

    private static bool IsAdminPath(string pattern) =>
        pattern.StartsWith(AdminPathPrefix, StringComparison.OrdinalIgnoreCase)
        && (pattern.Length == AdminPathPrefix.Length || pattern[AdminPathPrefix.Length] == '/');

    private static bool AppliesTo(string[] methods, string method)
    {
        if (methods.Length == 0)
        {
            return true;
        }

        foreach (var listed in methods)
        {
            if (string.Equals(listed, method, StringComparison.OrdinalIgnoreCase)
                || (HttpMethods.IsHead(method) && HttpMethods.IsGet(listed)))
            {
                return true;
            }
        }

        return false;
    }
}
