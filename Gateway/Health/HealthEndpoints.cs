using System.Reflection;
using System.Text.Json;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Health;

/// <summary>The unauthenticated probe routes: <c>/api/health</c>, <c>/livez</c>, <c>/readyz</c> and the service info at <c>/</c>.</summary>
internal static class HealthEndpoints
{
    public const string ServiceName = "PyAirtable API Gateway";

    public static readonly string Version =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEndpointRouteBuilder MapGatewayProbes(this IEndpointRouteBuilder app)
    {
        var monitor = app.ServiceProvider.GetRequiredService<HealthMonitor>();
        var lifecycle = app.ServiceProvider.GetRequiredService<GatewayLifecycle>();

        var sections = app.ServiceProvider.GetServices<IHealthSection>().ToArray();
        Map(app, "/api/health", context => WriteHealthAsync(context, monitor, sections));
        Map(app, "/livez", static context => WriteStatusAsync(context, StatusCodes.Status200OK, "alive"));
        Map(app, "/readyz", context => lifecycle.IsDraining
            ? WriteStatusAsync(context, StatusCodes.Status503ServiceUnavailable, "draining")
            : WriteStatusAsync(context, StatusCodes.Status200OK, "ready"));
        var routes = app.ServiceProvider.GetRequiredService<RouteTableProvider>();
        Map(app, "/", context => WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteString("service", ServiceName);
            json.WriteString("version", Version);
            routes.Current.WriteEndpoints(json);
        }));
        return app;
    }

    private static void Map(IEndpointRouteBuilder app, string template, RequestDelegate handler) =>
        app.MapMethods(template, GatewayMethods.Get, handler).WithMetadata(new MetricsLabel(template));

    private static async Task WriteHealthAsync(HttpContext context, HealthMonitor monitor, IHealthSection[] sections)
    {
        var report = await monitor.ProbeAsync().WaitAsync(context.RequestAborted);
        var overall = report.Overall;
        await WriteJsonAsync(context, overall == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK, json =>
        {
            json.WriteString("status", overall);
            json.WriteString("gateway", "healthy");
            json.WriteStartArray("services");
            foreach (var service in report.Services)
            {
                WriteService(json, service);
            }

            json.WriteEndArray();
            foreach (var section in sections)
            {
                json.WriteStartObject(section.Name);
                section.WriteMembers(json);
                json.WriteEndObject();
            }

            json.WriteString("timestamp", report.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    private static void WriteService(Utf8JsonWriter json, ServiceHealth service)
    {
        json.WriteStartObject();
        json.WriteString("name", service.Name);
        json.WriteString("status", Name(service.Status));
        json.WriteString("url", service.Url);
        if (service.Instances.Length == 1)
        {
            WriteOutcome(json, service.Instances[0]);
        }
        else
        {
            var fastest = service.Instances.Where(static i => i.ResponseTimeSeconds.HasValue).Select(static i => i.ResponseTimeSeconds!.Value).DefaultIfEmpty().Min();
            if (service.Status == HealthStatus.Healthy)
            {
                json.WriteNumber("response_time", fastest);
            }
            else
            {
                json.WriteString("error", service.Instances[0].Error);
            }

            json.WriteStartArray("instances");
            foreach (var instance in service.Instances)
            {
                json.WriteStartObject();
                json.WriteString("url", instance.Url);
                json.WriteString("status", Name(instance.Status));
                WriteOutcome(json, instance);
                json.WriteString("circuit", instance.Instance?.Circuit switch
                {
                    CircuitState.Open => "open",
                    CircuitState.HalfOpen => "half-open",
                    _ => "closed",
                });
                json.WriteBoolean("backup", instance.Instance?.IsBackup ?? false);
                json.WriteNumber("outstanding", instance.Instance?.Outstanding ?? 0);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteOutcome(Utf8JsonWriter json, InstanceHealth instance)
    {
        if (instance.ResponseTimeSeconds is { } seconds)
        {
            json.WriteNumber("response_time", seconds);
        }

        if (instance.Error is { } error)
        {
            json.WriteString("error", error);
        }
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Unhealthy => "unhealthy",
        _ => "unreachable",
    };

    private static Task WriteStatusAsync(HttpContext context, int status, string text) =>
        WriteJsonAsync(context, status, json => json.WriteString("status", text));

    internal static Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        GatewayResponseHeaders.Apply(response);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
