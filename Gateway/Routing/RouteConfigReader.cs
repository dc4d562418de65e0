using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// Reads the route table's data from configuration: <c>Gateway:Routes</c> over the built-in defaults
/// (<see cref="BuiltInRoutes"/>), the services declared by name under <c>Gateway:Services</c>, and
/// <c>Gateway:Versions</c>. It only reads and reports shape problems (unknown fields, bad values) as messages naming
/// the key; <see cref="RouteTableBuilder"/> checks the table as a whole.
/// </summary>
internal static class RouteConfigReader
{
    public const string RoutesSection = "Gateway:Routes";
    public const string ServicesSection = "Gateway:Services";
    public const string VersionsSection = "Gateway:Versions";

    /// <summary>The three services every gateway has, by configuration name, with their names in reports.</summary>
    public static readonly FrozenDictionary<string, ServiceKind> BuiltInServices = new Dictionary<string, ServiceKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["AirtableGateway"] = ServiceKind.AirtableGateway,
        ["McpServer"] = ServiceKind.McpServer,
        ["LlmOrchestrator"] = ServiceKind.LlmOrchestrator,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> RouteFields = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "Path", "Methods", "Service", "UpstreamPath", "Auth", "Scopes", "RateLimitPolicy", "RateLimitPerMinute", "TimeoutSeconds",
        "Body", "Versions", "RequestHeaders", "Query", "ResponseHeaders", "Canary", "Cache", "WebSocket", "Description", "Enabled");

    /// <summary>Every route: the built-in ones in their order, then the configured ones.</summary>
    public static List<RouteDefinition> ReadRoutes(IConfiguration configuration, List<string> errors, string? configFile)
    {
        var configured = configuration.GetSection(RoutesSection);
        var names = new List<string>(BuiltInRoutes.Names);
        foreach (var child in configured.GetChildren())
        {
            if (!names.Exists(n => string.Equals(n, child.Key, StringComparison.OrdinalIgnoreCase)))
            {
                names.Add(child.Key);
            }
        }

        var routes = new List<RouteDefinition>(names.Count);
        foreach (var name in names)
        {
            var own = configured.GetSection(name);
            var builtIn = BuiltInRoutes.Configuration.GetSection(name);
            var key = $"{RoutesSection}:{name}";
            foreach (var field in own.GetChildren())
            {
                if (!RouteFields.Contains(field.Key))
                {
                    errors.Add($"{key}:{field.Key} is not a route field (fields: {string.Join(", ", RouteFields.Order(StringComparer.Ordinal))}).");
                }
            }

            IConfigurationSection Field(string field) => own.GetSection(field) is { } section && section.Exists() ? section : builtIn.GetSection(field);

            var path = Field("Path").Value;
            var service = Field("Service").Value;
            if (string.IsNullOrWhiteSpace(path))
            {
                errors.Add($"{key}:Path is required (an ASP.NET Core route template such as /api/reports/{{**rest}}).");
            }

            if (string.IsNullOrWhiteSpace(service))
            {
                errors.Add($"{key}:Service is required (a service declared under {ServicesSection}).");
            }

            var canary = Field("Canary");
            var cache = Field("Cache");
            routes.Add(new RouteDefinition
            {
                Name = name,
                Path = path ?? "",
                Methods = List(Field("Methods")),
                Service = service ?? "",
                UpstreamPath = Field("UpstreamPath").Value,
                Auth = Field("Auth").Value,
                Scopes = List(Field("Scopes")),
                RateLimitPolicy = Field("RateLimitPolicy").Value,
                RateLimitPerMinute = Field("RateLimitPerMinute").Value,
                TimeoutSeconds = Field("TimeoutSeconds").Value,
                Body = Field("Body").Value,
                VersionBodies = VersionBodies(Field("Versions"), key, errors),
                RequestHeadersSet = Pairs(Field("RequestHeaders").GetSection("Set")),
                RequestHeadersAppend = Pairs(Field("RequestHeaders").GetSection("Append")),
                RequestHeadersRemove = List(Field("RequestHeaders").GetSection("Remove")),
                QueryAdd = Pairs(Field("Query").GetSection("Add")),
                QueryRemove = List(Field("Query").GetSection("Remove")),
                ResponseHeadersSet = Pairs(Field("ResponseHeaders").GetSection("Set")),
                ResponseHeadersRemove = List(Field("ResponseHeaders").GetSection("Remove")),
                Canary = canary.Exists() ? new CanaryDefinition(canary["Service"], canary["Percent"], canary["Header"], canary["HeaderValue"]) : null,
                Cache = cache.Exists()
                    ? new Caching.CacheDefinition(cache["Enabled"] ?? cache.Value, cache["MaxTtlSeconds"], cache["DefaultTtlSeconds"], cache["MaxObjectBytes"], List(cache.GetSection("KeyHeaders")))
                    : null,
                WebSocket = Field("WebSocket").Value,
                Description = Field("Description").Value,
                Enabled = Field("Enabled").Value,
                Source = SourceOf(configuration, name, configFile),
            });
            CheckSubFields(Field("RequestHeaders"), $"{key}:RequestHeaders", ["Set", "Append", "Remove"], errors);
            CheckSubFields(Field("Query"), $"{key}:Query", ["Add", "Remove"], errors);
            CheckSubFields(Field("ResponseHeaders"), $"{key}:ResponseHeaders", ["Set", "Remove"], errors);
            CheckSubFields(canary, $"{key}:Canary", ["Service", "Percent", "Header", "HeaderValue"], errors);
            if (cache.GetChildren().Any())
            {
                CheckSubFields(cache, $"{key}:Cache", Caching.RouteCacheSettings.Fields, errors);
            }
        }

        return routes;
    }

    /// <summary>The services declared by name besides the built-in three.</summary>
    public static List<ServiceDefinition> ReadServices(IConfiguration configuration)
    {
        var services = new List<ServiceDefinition>();
        foreach (var child in configuration.GetSection(ServicesSection).GetChildren())
        {
            if (!BuiltInServices.ContainsKey(child.Key))
            {
                services.Add(new ServiceDefinition(child.Key, child["Url"], child["BackupUrl"]));
            }
        }

        return services;
    }

    /// <summary>The deprecation settings of the API versions (none by default).</summary>
    public static List<ApiVersionPolicy> ReadVersions(IConfiguration configuration, List<string> errors)
    {
        var versions = new List<ApiVersionPolicy>();
        foreach (var child in configuration.GetSection(VersionsSection).GetChildren())
        {
            var key = $"{VersionsSection}:{child.Key}";
            var version = ApiVersions.Find(child.Key);
            if (version is null)
            {
                errors.Add($"{key} names no API version (versions: {ApiVersions.Listed}).");
                continue;
            }

            CheckSubFields(child, key, ["Deprecated", "Sunset"], errors);
            var deprecated = false;
            DateTimeOffset? since = null;
            if (child["Deprecated"] is { Length: > 0 } text)
            {
                if (bool.TryParse(text, out var flag))
                {
                    deprecated = flag;
                }
                else if (TryDate(text, out var date))
                {
                    deprecated = true;
                    since = date;
                }
                else
                {
                    errors.Add($"{key}:Deprecated must be true, false or an ISO 8601 date (got '{text}').");
                }
            }

            DateTimeOffset? sunset = null;
            if (child["Sunset"] is { Length: > 0 } sunsetText)
            {
                if (TryDate(sunsetText, out var date))
                {
                    sunset = date;
                }
                else
                {
                    errors.Add($"{key}:Sunset must be an ISO 8601 date such as 2027-03-01 (got '{sunsetText}').");
                }
            }

            versions.Add(new ApiVersionPolicy(version, deprecated, since, sunset));
        }

        return versions;
    }

    /// <summary>SHA-256 over the route table's configuration (routes, services, versions), sorted by key.</summary>
    public static string Hash(IConfiguration configuration)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var section in new[] { RoutesSection, ServicesSection, VersionsSection })
        {
            foreach (var pair in configuration.GetSection(section).AsEnumerable())
            {
                if (pair.Value is not null)
                {
                    pairs.Add(pair);
                }
            }
        }

        pairs.Sort(static (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key));
        var text = new StringBuilder(BuiltInRoutes.Json);
        foreach (var (key, value) in pairs)
        {
            text.Append('\0').Append(key.ToUpperInvariant()).Append('\0').Append(value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static bool TryDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

    private static List<KeyValuePair<string, string?>> VersionBodies(IConfigurationSection versions, string key, List<string> errors)
    {
        var result = new List<KeyValuePair<string, string?>>();
        foreach (var version in versions.GetChildren())
        {
            CheckSubFields(version, $"{key}:Versions:{version.Key}", ["Body"], errors);
            result.Add(new(version.Key, version["Body"]));
        }

        return result;
    }

    private static void CheckSubFields(IConfigurationSection section, string key, string[] allowed, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (Array.FindIndex(allowed, a => string.Equals(a, child.Key, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                errors.Add($"{key}:{child.Key} is not a field here (fields: {string.Join(", ", allowed)}).");
            }
        }

        if (section.Value is not null && section.Value.Length > 0 && allowed.Length > 0 && !section.GetChildren().Any())
        {
            errors.Add($"{key} must be an object with the fields {string.Join(", ", allowed)} (got '{section.Value}').");
        }
    }

    /// <summary>An array (<c>["GET", "POST"]</c>) or a comma-separated string.</summary>
    private static string[] List(IConfigurationSection section)
    {
        if (section.Value is { } single)
        {
            return single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var values = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (child.Value is { } value)
            {
                values.Add(value.Trim());
            }
        }

        return [.. values];
    }

    private static List<KeyValuePair<string, string?>> Pairs(IConfigurationSection section)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var child in section.GetChildren())
        {
            pairs.Add(new(child.Key, child.Value));
        }

        return pairs;
    }

    /// <summary>Built-in unless some configuration source sets keys of the route; the reloadable file when it does.</summary>
    private static RouteSource SourceOf(IConfiguration configuration, string name, string? configFile)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return configuration.GetSection($"{RoutesSection}:{name}").Exists() ? RouteSource.Configuration : RouteSource.BuiltIn;
        }

        var source = RouteSource.BuiltIn;
        var parent = $"{RoutesSection}:{name}";
        foreach (var provider in root.Providers)
        {
            if (!provider.GetChildKeys([], parent).Any())
            {
                continue;
            }

            if (provider is ConfigFileProvider file && configFile is not null && string.Equals(file.Path, configFile, StringComparison.Ordinal))
            {
                return RouteSource.File;
            }

            source = RouteSource.Configuration;
        }

        return source;
    }
}
