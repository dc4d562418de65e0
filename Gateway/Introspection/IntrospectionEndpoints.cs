using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Introspection;

/// <summary>
/// Read-only views for operators, behind the <c>admin</c> scope (checked by the auth middleware, as for every
/// <c>/_gateway/*</c> endpoint): <c>/_gateway/routes</c> (route table with services and
/// policies), <c>/_gateway/services</c> (instances with health, circuit and load) and <c>/_gateway/config</c> (the
/// configuration in force, secrets masked, with a hash, what the sources say that is not in force, and the reload
/// status). Both routes and config show the values in force and the last rejected reload, with its time and reason.
/// </summary>
internal static class IntrospectionEndpoints
{
    public const string Routes = "/_gateway/routes";
    public const string Services = "/_gateway/services";
    public const string Config = "/_gateway/config";

    public static IEndpointRouteBuilder MapGatewayIntrospection(this IEndpointRouteBuilder app)
    {
        var sp = app.ServiceProvider;
        var services = sp.GetRequiredService<UpstreamServices>();
        var telemetry = sp.GetRequiredService<GatewayTelemetry>();
        var health = sp.GetRequiredService<HealthMonitor>();
        var configuration = sp.GetRequiredService<EffectiveConfiguration>();
        var endpoints = sp.GetRequiredService<EndpointDataSource>();
        // The values in force: read at start, or (rate limits) as of the last good reload. The options monitors would
        // show a rejected reload's values, or throw its validation error.
        var forwarding = sp.GetRequiredService<IOptions<ForwardingOptions>>().Value;
        var limits = sp.GetRequiredService<ReloadableOptions<RateLimitOptions>>();
        var breaker = sp.GetRequiredService<IOptions<CircuitBreakerOptions>>().Value;
        var scopes = sp.GetRequiredService<RouteScopes>();
        var routes = sp.GetRequiredService<RouteTableProvider>();

        Map(app, Routes, context => HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            WriteRoutes(json, routes, endpoints, scopes, forwarding, limits.Current, breaker);
            configuration.WriteReload(json);
        }))
            .RequireGatewayScope(RequiresScopeAttribute.Admin);
        Map(app, Services, context => HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, json =>
            WriteServices(json, services, telemetry, health.Last)))
            .RequireGatewayScope(RequiresScopeAttribute.Admin);
        Map(app, Config, context => HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            var snapshot = configuration.Snapshot();
            json.WriteString("hash", EffectiveConfiguration.Hash(snapshot));
            json.WriteString("lastReload", Timestamp(configuration.LastReload));
            json.WriteStartArray("sources");
            foreach (var source in configuration.Sources())
            {
                json.WriteStringValue(source);
            }

            json.WriteEndArray();
            foreach (var (name, part) in snapshot)
            {
                json.WritePropertyName(name);
                part!.WriteTo(json);
            }

            json.WritePropertyName("notInForce");
            configuration.NotInForce().WriteTo(json);
            configuration.WriteReload(json);
        }))
            .RequireGatewayScope(RequiresScopeAttribute.Admin);
        return app;
    }

    internal static IEndpointConventionBuilder Map(IEndpointRouteBuilder app, string template, RequestDelegate handler) =>
        app.MapMethods(template, GatewayMethods.Get, handler).WithMetadata(new MetricsLabel(template));

    internal static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteRoutes(Utf8JsonWriter json, RouteTableProvider provider, EndpointDataSource endpoints, RouteScopes scopes,
        ForwardingOptions forwarding, RateLimitOptions limits, CircuitBreakerOptions breaker)
    {
        var table = provider.Current;
        json.WriteString("hash", table.Hash);
        json.WriteString("loadedAt", Timestamp(table.LoadedAt));
        if (provider.Rejected is { } rejected)
        {
            json.WriteStartObject("rejected");
            json.WriteString("at", Timestamp(rejected.At));
            json.WriteString("reason", rejected.Reason);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("rejected");
        }

        json.WriteStartArray("versions");
        foreach (var version in ApiVersions.All)
        {
            var policy = table.Versions.FirstOrDefault(v => v.Name == version);
            json.WriteStartObject();
            json.WriteString("name", version);
            json.WriteBoolean("deprecated", policy?.Deprecated ?? false);
            if (policy?.Sunset is { } sunset)
            {
                json.WriteString("sunset", Timestamp(sunset));
            }
            else
            {
                json.WriteNull("sunset");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("routes");
        foreach (var route in table.Routes)
        {
            WriteRoute(json, route, scopes, forwarding, limits, breaker);
        }

        json.WriteEndArray();

        // Every endpoint the host serves, as routing sees it (the gateway's own ones included).
        json.WriteStartArray("endpoints");
        foreach (var endpoint in endpoints.Endpoints)
        {
            if (endpoint is not RouteEndpoint route)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("template", route.RoutePattern.RawText);
            var methods = route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is null)
            {
                json.WriteString("methods", "*");
            }
            else
            {
                WriteStrings(json, "methods", methods);
            }

            json.WriteNumber("order", route.Order);
            json.WriteBoolean("proxied", route.Metadata.GetMetadata<GatewayRoute>() is not null);
            if (route.Metadata.GetMetadata<GatewayRoute>() is { } proxied)
            {
                json.WriteString("route", proxied.Name);
            }
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteRoute(Utf8JsonWriter json, RouteEntry route, RouteScopes scopes, ForwardingOptions forwarding, RateLimitOptions limits, CircuitBreakerOptions breaker)
    {
        var service = route.Service;
        json.WriteStartObject();
        json.WriteString("name", route.Name);
        json.WriteString("template", route.Path);
        json.WriteString("source", route.Source switch { RouteSource.File => "file", RouteSource.Configuration => "configuration", _ => "built-in" });
        WriteStrings(json, "methods", route.Methods);
        json.WriteString("service", service.Name);
        json.WriteString("serviceKey", route.ServiceName);
        json.WriteStartArray("upstreams");
        foreach (var instance in service.All)
        {
            json.WriteStringValue(instance.BaseUrl);
        }

        json.WriteEndArray();
        json.WriteString("upstreamPath", route.UpstreamPath);
        json.WriteString("description", route.Description);
        json.WriteStartArray("endpoints");
        foreach (var endpoint in route.Endpoints)
        {
            json.WriteStartObject();
            json.WriteString("template", endpoint.Template);
            if (endpoint.Version is { } version)
            {
                json.WriteString("version", version);
            }
            else
            {
                json.WriteNull("version");
            }

            WriteStrings(json, "steps", Routing.Pipeline.RoutePipeline.Names(endpoint.Pipeline));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("policies");
        json.WriteString("auth", route.Auth switch { RouteAuth.None => "none", RouteAuth.Scopes => "scopes", _ => "client" });
        json.WriteStartObject("scopes"); // by method, the scopes in force that a client needs (none by default)
        foreach (var method in route.Methods)
        {
            var required = new List<string>(route.Scopes);
            foreach (var scope in scopes.ForRoute(route.Endpoints[0], method))
            {
                if (!required.Contains(scope))
                {
                    required.Add(scope);
                }
            }

            if (required.Count > 0)
            {
                WriteStrings(json, method, required);
            }
        }

        json.WriteEndObject();
        json.WriteStartArray("rateLimits");
        if (limits.PerMinute > 0)
        {
            WriteLimit(json, "global", limits.PerMinute);
        }

        if (route.RateLimitPolicy == "chat" && limits.ChatPerMinute > 0)
        {
            WriteLimit(json, "chat", limits.ChatPerMinute);
        }

        if (route.RateLimitPerMinute > 0)
        {
            WriteLimit(json, "route:" + route.Name, route.RateLimitPerMinute);
        }

        foreach (var configured in limits.Routes)
        {
            if (string.Equals(configured.Route, route.Path, StringComparison.OrdinalIgnoreCase) && configured.PerMinute > 0)
            {
                WriteLimit(json, configured.Methods.Length == 0 ? "route:" + route.Path : $"route:{route.Path}:{string.Join(',', configured.Methods).ToUpperInvariant()}", configured.PerMinute);
            }
        }

        json.WriteEndArray();
        json.WriteNumber("maxBodyBytes", forwarding.MaxRequestBodyBytes);
        json.WriteBoolean("jsonObjectBody", route.Body != BodyHandling.Stream);
        json.WriteString("body", BodyName(route.Body));
        json.WriteNumber("upstreamTimeoutSeconds", route.Timeout.TotalSeconds);
        json.WriteBoolean("webSocket", route.WebSocket);
        json.WriteStartObject("circuitBreaker");
        json.WriteBoolean("enabled", breaker.Enabled);
        json.WriteNumber("failureThreshold", breaker.FailureThreshold);
        json.WriteNumber("breakSeconds", breaker.BreakSeconds);
        json.WriteEndObject();
        json.WriteEndObject();

        var definition = route.Definition;
        json.WriteStartObject("transforms");
        WritePairs(json, "requestHeadersSet", definition.RequestHeadersSet);
        WritePairs(json, "requestHeadersAppend", definition.RequestHeadersAppend);
        WriteStrings(json, "requestHeadersRemove", definition.RequestHeadersRemove);
        WritePairs(json, "queryAdd", definition.QueryAdd);
        WriteStrings(json, "queryRemove", definition.QueryRemove);
        WritePairs(json, "responseHeadersSet", definition.ResponseHeadersSet);
        WriteStrings(json, "responseHeadersRemove", definition.ResponseHeadersRemove);
        json.WriteEndObject();

        if (route.Canary is { } canary)
        {
            json.WriteStartObject("canary");
            json.WriteString("service", canary.Service.Name);
            json.WriteString("serviceKey", canary.ServiceName);
            json.WriteNumber("percent", canary.Percent);
            json.WriteString("header", canary.Header);
            json.WriteString("headerValue", canary.HeaderValue);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("canary");
        }

        json.WriteEndObject();
    }

    private static string BodyName(BodyHandling body) => body switch
    {
        BodyHandling.JsonObject => "json-object",
        BodyHandling.V2Chat => "v2-chat",
        _ => "stream",
    };

    private static void WritePairs(Utf8JsonWriter json, string name, IReadOnlyList<KeyValuePair<string, string?>> pairs)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in pairs)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }

    private static void WriteServices(Utf8JsonWriter json, UpstreamServices services, GatewayTelemetry telemetry, HealthReport? report)
    {
        if (report is not null)
        {
            json.WriteString("checkedAt", Timestamp(report.Timestamp));
        }
        else
        {
            json.WriteNull("checkedAt");
        }

        json.WriteStartArray("services");
        foreach (var service in services.All)
        {
            WriteService(json, service, telemetry, Find(report, service.Name));
        }

        json.WriteEndArray();
    }

    /// <summary>One service with its instances' health, circuit and load; shared with the dashboard feed.</summary>
    internal static void WriteService(Utf8JsonWriter json, UpstreamService service, GatewayTelemetry telemetry, ServiceHealth? health)
    {
        json.WriteStartObject();
        json.WriteString("name", service.Name);
        json.WriteString("url", service.ConfiguredUrl);
        json.WriteString("status", health is null ? "unknown" : StatusName(health.Status));
        json.WriteString("circuit", CircuitNames.Name(CircuitNames.OfService(service)));
        json.WriteNumber("retries", telemetry.Metrics.Retries(service.Kind));
        json.WriteStartArray("instances");
        foreach (var instance in service.All)
        {
            var probe = FindInstance(health, instance.BaseUrl);
            var stats = telemetry.Of(service.Kind, instance);
            json.WriteStartObject();
            json.WriteString("url", instance.BaseUrl);
            json.WriteString("status", probe is not null ? StatusName(probe.Status) : instance.Probed is { } probed ? StatusName(probed) : "unknown");
            if (probe?.ResponseTimeSeconds is { } seconds)
            {
                json.WriteNumber("response_time", seconds);
            }

            if (probe?.Error is { } error)
            {
                json.WriteString("error", error);
            }

            json.WriteString("circuit", CircuitNames.Name(instance.Circuit));
            json.WriteBoolean("backup", instance.IsBackup);
            json.WriteNumber("inFlight", instance.Outstanding);
            json.WriteNumber("requests", stats.Requests);
            json.WriteNumber("failures", stats.Failures);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    internal static ServiceHealth? Find(HealthReport? report, string service)
    {
        if (report is null)
        {
            return null;
        }

        foreach (var candidate in report.Services)
        {
            if (candidate.Name == service)
            {
                return candidate;
            }
        }

        return null;
    }

    private static InstanceHealth? FindInstance(ServiceHealth? health, string url)
    {
        if (health is null)
        {
            return null;
        }

        foreach (var instance in health.Instances)
        {
            if (instance.Url == url)
            {
                return instance;
            }
        }

        return null;
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Unhealthy => "unhealthy",
        _ => "unreachable",
    };

    private static void WriteLimit(Utf8JsonWriter json, string name, int perMinute)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteNumber("perMinute", perMinute);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
