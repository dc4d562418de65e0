using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing.Pipeline;
using PyAirtable.Gateway.Transforms;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// Validates the route table's data as a whole and compiles it: templates, services, policies, transforms, canary
/// splits, and each endpoint's pipeline. Any problem refuses the whole table, with one message per problem naming
/// the route (or service) and the field.
/// </summary>
internal sealed class RouteTableBuilder
{
    private static readonly FrozenSet<string> KnownMethods = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase, "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private static readonly FrozenSet<string> OwnedRequestHeaders = HeaderRules.HopByHop
        .Concat([HeaderNamesHost, "Content-Length", GatewayHeaders.ApiKey, GatewayHeaders.ClientId, GatewayHeaders.RequestId,
            GatewayHeaders.ForwardedFor, GatewayHeaders.ForwardedProto, GatewayHeaders.ForwardedHost])
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> OwnedResponseHeaders = HeaderRules.HopByHop
        .Concat(["Content-Length", GatewayHeaders.RequestId])
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private const string HeaderNamesHost = "Host";

    private readonly UpstreamServices _services;
    private readonly RoutePipeline _pipeline;
    private readonly ForwardingOptions _forwarding;

    public RouteTableBuilder(UpstreamServices services, RoutePipeline pipeline, IOptions<ForwardingOptions> forwarding)
    {
        _services = services;
        _pipeline = pipeline;
        _forwarding = forwarding.Value;
    }

    /// <summary>The table for <paramref name="configuration"/>, or null with the problems in <paramref name="errors"/>.</summary>
    public RouteTable? Build(IConfiguration configuration, string? configFile, RouteTable? previous, DateTimeOffset now, List<string> errors)
    {
        var definitions = RouteConfigReader.ReadRoutes(configuration, errors, configFile);
        var versions = RouteConfigReader.ReadVersions(configuration, errors);
        var services = BuildServices(RouteConfigReader.ReadServices(configuration), previous, errors);

        var entries = new List<RouteEntry>();
        foreach (var definition in definitions)
        {
            if (Compile(definition, services, now, errors) is { } entry)
            {
                entries.Add(entry);
            }
        }

        CheckOverlaps(entries, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        foreach (var entry in entries)
        {
            entry.Endpoints = CreateEndpoints(entry, versions);
        }

        return new RouteTable(entries, services, versions, RouteConfigReader.Hash(configuration), now);
    }

    private Dictionary<string, UpstreamService> BuildServices(List<ServiceDefinition> declared, RouteTable? previous, List<string> errors)
    {
        var services = new Dictionary<string, UpstreamService>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, kind) in RouteConfigReader.BuiltInServices)
        {
            services[name] = _services[kind];
        }

        foreach (var service in declared)
        {
            var key = $"{RouteConfigReader.ServicesSection}:{service.Name}";
            if (!ServiceUrls.TryParse(service.Url, out var primaries, out var problem))
            {
                errors.Add($"{key}:Url {problem} (got '{service.Url ?? "(not set)"}').");
                continue;
            }

            string[]? backups = [];
            if (!string.IsNullOrWhiteSpace(service.BackupUrl) && !ServiceUrls.TryParse(service.BackupUrl, out backups, out problem))
            {
                errors.Add($"{key}:BackupUrl {problem} (got '{service.BackupUrl}').");
                continue;
            }

            if (primaries.Length + backups.Length > ServicesOptionsValidator.MaxInstances)
            {
                errors.Add($"{key}:Url names more than {ServicesOptionsValidator.MaxInstances} instances (primaries and backups together).");
                continue;
            }

            // A service whose URLs did not change is the same service, with its instances' state.
            services[service.Name] = previous is not null && previous.Services.TryGetValue(service.Name, out var existing)
                && existing.Kind == ServiceKind.Configured && existing.ConfiguredUrl == service.Url && existing.ConfiguredBackupUrl == service.BackupUrl
                ? existing
                : _services.CreateConfigured(service.Name, service.Url!, service.BackupUrl, primaries, backups);
        }

        return services;
    }

    private RouteEntry? Compile(RouteDefinition definition, Dictionary<string, UpstreamService> services, DateTimeOffset now, List<string> errors)
    {
        var key = $"{RouteConfigReader.RoutesSection}:{definition.Name}";
        var count = errors.Count;
        if (definition.Enabled is { Length: > 0 } enabled)
        {
            if (!bool.TryParse(enabled, out var on))
            {
                errors.Add($"{key}:Enabled must be true or false (got '{enabled}').");
            }
            else if (!on)
            {
                return null;
            }
        }

        if (definition.Path.Length == 0 || definition.Service.Length == 0)
        {
            return null; // reported by the reader
        }

        var path = PathTemplate.TryCreate(definition.Path, out var problem);
        if (path is null)
        {
            errors.Add($"{key}:Path {problem} (got '{definition.Path}').");
        }
        else if (GatewayEndpoints.IsOwn(definition.Path))
        {
            errors.Add($"{key}:Path '{definition.Path}' is one of the gateway's own endpoints.");
        }
        else if (ApiVersions.LooksLikeVersion(definition.Path, out var segment) && segment.IndexOf('{') < 0)
        {
            errors.Add($"{key}:Path '{definition.Path}' starts with a version; declare it without one (/api/...), every version ({ApiVersions.Listed}) is served.");
        }

        var methods = Methods(definition, key, errors);
        if (!services.TryGetValue(definition.Service, out var service) && !TryKebab(definition.Service, services, out service))
        {
            errors.Add($"{key}:Service '{definition.Service}' names no service (services: {string.Join(", ", services.Keys)}); declare it under {RouteConfigReader.ServicesSection}:{definition.Service}:Url.");
        }

        UpstreamTemplate? upstream = null;
        if (path is not null)
        {
            upstream = UpstreamTemplate.TryCreate(definition.UpstreamPath ?? definition.Path, path.Parameters, out problem);
            if (upstream is null)
            {
                errors.Add($"{key}:UpstreamPath {problem} (got '{definition.UpstreamPath}').");
            }
        }

        var auth = Auth(definition, key, errors);
        if (definition.RateLimitPolicy is { Length: > 0 } policy && !string.Equals(policy, "chat", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{key}:RateLimitPolicy '{policy}' names no policy (policies: chat); use RateLimitPerMinute for a limit of the route's own.");
        }

        var perMinute = 0;
        if (definition.RateLimitPerMinute is { Length: > 0 } limit
            && (!int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out perMinute) || perMinute < 0))
        {
            errors.Add($"{key}:RateLimitPerMinute must be 0 (none) or a positive whole number of requests per minute (got '{limit}').");
        }

        var timeout = Timeout(definition, key, errors);
        var body = Body(definition.Body, $"{key}:Body", errors);
        var versioned = ApiVersions.IsVersioned(definition.Path);
        foreach (var (version, versionBody) in definition.VersionBodies)
        {
            if (ApiVersions.Find(version) is null || !versioned)
            {
                errors.Add($"{key}:Versions:{version} names no version of this route (versions: {(versioned ? ApiVersions.Listed : "none; only routes under /api/ are versioned")}).");
            }

            Body(versionBody, $"{key}:Versions:{version}:Body", errors);
        }

        var requestHeaders = RequestHeaders(definition, key, errors);
        var responseHeaders = ResponseHeaders(definition, key, errors);
        var query = Query(definition, key, errors);
        var canary = Canary(definition.Canary, services, key, errors);
        var cache = Caching.RouteCacheSettings.TryCreate(definition.Cache, key, errors);
        if (cache is not null && Array.IndexOf(methods, HttpMethods.Get) < 0)
        {
            errors.Add($"{key}:Cache is on but the route has no GET method; only GET and HEAD responses are cached.");
        }

        var webSocket = false;
        if (definition.WebSocket is { Length: > 0 } webSocketText)
        {
            if (!bool.TryParse(webSocketText, out webSocket))
            {
                errors.Add($"{key}:WebSocket must be true or false (got '{webSocketText}').");
            }
            else if (webSocket && Array.IndexOf(methods, HttpMethods.Get) < 0)
            {
                errors.Add($"{key}:WebSocket is on but the route has no GET method; a WebSocket handshake is a GET (RFC 6455).");
            }
        }

        if (errors.Count > count)
        {
            return null;
        }

        return new RouteEntry
        {
            Definition = definition,
            Path = definition.Path,
            Methods = methods,
            ServiceName = definition.Service,
            Service = service!,
            Upstream = upstream!,
            Auth = auth.Kind,
            Scopes = auth.Scopes,
            Versioned = versioned,
            RateLimitPolicy = definition.RateLimitPolicy is { Length: > 0 } ? "chat" : null,
            RateLimitPerMinute = perMinute,
            Timeout = timeout,
            Body = body,
            RequestHeaders = requestHeaders,
            ResponseHeaders = responseHeaders,
            Query = query,
            Canary = canary,
            Cache = cache,
            WebSocket = webSocket,
            Description = definition.Description ?? "",
            LoadedAt = now,
        };
    }

    private GatewayRoute[] CreateEndpoints(RouteEntry entry, List<ApiVersionPolicy> versions)
    {
        var routes = new List<GatewayRoute>();
        if (!entry.Versioned)
        {
            routes.Add(new GatewayRoute(entry, entry.Path, null, PathTemplate.TryCreate(entry.Path, out _)!, entry.Body));
        }
        else
        {
            Add(entry.Path, ApiVersions.V1);
            foreach (var version in ApiVersions.All)
            {
                Add(string.Concat("/api/", version, entry.Path.AsSpan(4)), version);
            }
        }

        foreach (var route in routes)
        {
            route.Pipeline = _pipeline.Build(route);
        }

        return [.. routes];

        void Add(string template, string version)
        {
            var body = entry.Body;
            foreach (var (name, value) in entry.Definition.VersionBodies)
            {
                if (string.Equals(ApiVersions.Find(name), version, StringComparison.Ordinal))
                {
                    body = Body(value, "", []);
                }
            }

            routes.Add(new GatewayRoute(entry, template, version, PathTemplate.TryCreate(template, out _)!, body)
            {
                VersionPolicy = versions.Find(v => v.Name == version),
            });
        }
    }

    /// <summary>Two routes may share a path only with different methods; <c>{a}</c> and <c>{b}</c> in the same place are the same path.</summary>
    private static void CheckOverlaps(List<RouteEntry> entries, List<string> errors)
    {
        var seen = new Dictionary<string, List<RouteEntry>>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries)
        {
            var shape = Shape(entry.Path);
            if (!seen.TryGetValue(shape, out var others))
            {
                seen[shape] = others = [];
            }

            foreach (var other in others)
            {
                var shared = Array.FindAll(entry.Methods, m => Array.IndexOf(other.Methods, m) >= 0);
                if (shared.Length > 0)
                {
                    errors.Add($"{RouteConfigReader.RoutesSection}:{entry.Name}:Path '{entry.Path}' overlaps route '{other.Name}' ('{other.Path}') for {string.Join(", ", shared)}.");
                }
            }

            others.Add(entry);
        }
    }

    /// <summary>The template with parameter names and constraints dropped: <c>/api/x/{}/y/{**}</c>.</summary>
    private static string Shape(string template)
    {
        var shape = new StringBuilder(template.Length);
        var position = 0;
        while (position < template.Length)
        {
            var open = template.IndexOf('{', position);
            if (open < 0)
            {
                shape.Append(template, position, template.Length - position);
                break;
            }

            var close = template.IndexOf('}', open);
            shape.Append(template, position, open - position);
            var inside = template.AsSpan(open + 1, (close < 0 ? template.Length : close) - open - 1);
            shape.Append(inside.StartsWith("*") ? "{**}" : inside.Contains('?') ? "{?}" : "{}");
            position = close < 0 ? template.Length : close + 1;
        }

        return shape.ToString().TrimEnd('/');
    }

    private static string[] Methods(RouteDefinition definition, string key, List<string> errors)
    {
        if (definition.Methods.Length == 0)
        {
            errors.Add($"{key}:Methods must list at least one HTTP method (GET, POST, PUT, PATCH, DELETE, OPTIONS).");
            return [];
        }

        var methods = new List<string>();
        foreach (var method in definition.Methods)
        {
            if (!KnownMethods.TryGetValue(method, out _))
            {
                errors.Add($"{key}:Methods has '{method}', which is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS.");
                continue;
            }

            var canonical = HttpMethods.GetCanonicalizedValue(method.ToUpperInvariant());
            if (!methods.Contains(canonical))
            {
                methods.Add(canonical);
            }

            if (HttpMethods.IsGet(canonical) && !methods.Contains(HttpMethods.Head))
            {
                methods.Add(HttpMethods.Head);
            }
        }

        return [.. methods];
    }

    private static bool TryKebab(string name, Dictionary<string, UpstreamService> services, out UpstreamService? service)
    {
        foreach (var candidate in services.Values)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                service = candidate;
                return true;
            }
        }

        service = null;
        return false;
    }

    private static (RouteAuth Kind, string[] Scopes) Auth(RouteDefinition definition, string key, List<string> errors)
    {
        var scopes = definition.Scopes;
        foreach (var scope in scopes)
        {
            if (scope.Length == 0 || scope.AsSpan().IndexOfAny(" \"\r\n") >= 0)
            {
                errors.Add($"{key}:Scopes has '{scope}', which is not a scope name (no spaces or quotes).");
            }
        }

        switch (definition.Auth?.ToLowerInvariant())
        {
            case null or "" or "client" or "scopes" when scopes.Length > 0:
                return (RouteAuth.Scopes, scopes);
            case "scopes":
                errors.Add($"{key}:Auth 'scopes' needs a list of scopes in {key}:Scopes.");
                return (RouteAuth.Scopes, scopes);
            case null or "" or "client":
                return (RouteAuth.Client, []);
            case "none":
                if (scopes.Length > 0)
                {
                    errors.Add($"{key}:Scopes cannot be required on a route with Auth 'none'.");
                }

                return (RouteAuth.None, []);
            default:
                errors.Add($"{key}:Auth '{definition.Auth}' is not one of none, client, scopes.");
                return (RouteAuth.Client, []);
        }
    }

    private TimeSpan Timeout(RouteDefinition definition, string key, List<string> errors)
    {
        if (definition.TimeoutSeconds is { Length: > 0 } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0 && seconds <= _forwarding.TotalTimeoutSeconds))
            {
                errors.Add($"{key}:TimeoutSeconds must be a number of seconds above 0 and at most Gateway:Forwarding:TotalTimeoutSeconds ({_forwarding.TotalTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}) (got '{text}').");
                return default;
            }

            return TimeSpan.FromSeconds(seconds);
        }

        // The older per-route setting (Gateway:Forwarding:RouteTimeoutSeconds:<name>), validated at start.
        return _forwarding.RouteTimeoutSeconds.TryGetValue(definition.Name, out var legacy)
            ? TimeSpan.FromSeconds(legacy)
            : TimeSpan.FromSeconds(_forwarding.TimeoutSeconds);
    }

    private static BodyHandling Body(string? value, string key, List<string> errors)
    {
        switch (value?.ToLowerInvariant())
        {
            case null or "" or "stream":
                return BodyHandling.Stream;
            case "json-object":
                return BodyHandling.JsonObject;
            case "v2-chat":
                return BodyHandling.V2Chat;
            default:
                errors.Add($"{key} '{value}' is not one of stream, json-object, v2-chat.");
                return BodyHandling.Stream;
        }
    }

    private static RequestHeaderTransform? RequestHeaders(RouteDefinition definition, string key, List<string> errors)
    {
        if (definition.RequestHeadersSet.Count == 0 && definition.RequestHeadersAppend.Count == 0 && definition.RequestHeadersRemove.Length == 0)
        {
            return null;
        }

        return new RequestHeaderTransform(
            Headers(definition.RequestHeadersSet, $"{key}:RequestHeaders:Set", OwnedRequestHeaders, errors),
            Headers(definition.RequestHeadersAppend, $"{key}:RequestHeaders:Append", OwnedRequestHeaders, errors),
            Names(definition.RequestHeadersRemove, $"{key}:RequestHeaders:Remove", OwnedRequestHeaders, errors));
    }

    private static ResponseHeaderTransform? ResponseHeaders(RouteDefinition definition, string key, List<string> errors)
    {
        if (definition.ResponseHeadersSet.Count == 0 && definition.ResponseHeadersRemove.Length == 0)
        {
            return null;
        }

        return new ResponseHeaderTransform(
            Headers(definition.ResponseHeadersSet, $"{key}:ResponseHeaders:Set", OwnedResponseHeaders, errors),
            Names(definition.ResponseHeadersRemove, $"{key}:ResponseHeaders:Remove", OwnedResponseHeaders, errors));
    }

    private static KeyValuePair<string, string>[] Headers(IReadOnlyList<KeyValuePair<string, string?>> pairs, string key, FrozenSet<string> owned, List<string> errors)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in pairs)
        {
            CheckHeaderName(name, $"{key}:{name}", owned, errors);
            if (value is null || HeaderRules.IsUnsafeValue(value))
            {
                errors.Add($"{key}:{name} must be a header value without CR, LF or NUL.");
                continue;
            }

            result.Add(new(name, value));
        }

        return [.. result];
    }

    private static string[] Names(string[] names, string key, FrozenSet<string> owned, List<string> errors)
    {
        foreach (var name in names)
        {
            CheckHeaderName(name, key, owned, errors);
        }

        return names;
    }

    /// <summary>Adds an error naming <paramref name="key"/> when <paramref name="name"/> is not a header name (an RFC 9110 token) or is one of <paramref name="owned"/>.</summary>
    internal static void CheckHeaderName(string name, string key, FrozenSet<string> owned, List<string> errors)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                errors.Add($"{key} '{name}' is not a valid header name.");
                return;
            }
        }

        if (name.Length == 0 || owned.Contains(name))
        {
            errors.Add($"{key} '{name}' is a header the gateway sets or removes itself; it cannot be changed per route.");
        }
    }

    private static QueryTransform? Query(RouteDefinition definition, string key, List<string> errors)
    {
        if (definition.QueryAdd.Count == 0 && definition.QueryRemove.Length == 0)
        {
            return null;
        }

        foreach (var (name, value) in definition.QueryAdd)
        {
            if (value is null)
            {
                errors.Add($"{key}:Query:Add:{name} must have a value (may be empty).");
            }
        }

        return new QueryTransform(definition.QueryAdd, definition.QueryRemove);
    }

    private static CanarySplit? Canary(CanaryDefinition? canary, Dictionary<string, UpstreamService> services, string key, List<string> errors)
    {
        if (canary is null)
        {
            return null;
        }

        key += ":Canary";
        UpstreamService? service = null;
        if (string.IsNullOrEmpty(canary.Service) || (!services.TryGetValue(canary.Service, out service) && !TryKebab(canary.Service, services, out service)))
        {
            errors.Add($"{key}:Service '{canary.Service}' names no service (services: {string.Join(", ", services.Keys)}).");
        }

        double percent = 0;
        if (canary.Percent is { Length: > 0 } text
            && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out percent) || !(percent >= 0 && percent <= 100)))
        {
            errors.Add($"{key}:Percent must be a number from 0 to 100 (got '{text}').");
        }

        if (canary.Header is { Length: > 0 } header)
        {
            CheckHeaderName(header, $"{key}:Header", FrozenSet<string>.Empty, errors);
        }
        else if (canary.HeaderValue is not null)
        {
            errors.Add($"{key}:HeaderValue needs {key}:Header.");
        }

        if (percent == 0 && string.IsNullOrEmpty(canary.Header))
        {
            errors.Add($"{key} sends nothing to {canary.Service}: give Percent above 0, a Header, or both.");
        }

        return service is null ? null : new CanarySplit(service, canary.Service!, percent, canary.Header is { Length: > 0 } ? canary.Header : null, canary.HeaderValue);
    }
}
