using System.Text.Json;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Caching;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Introspection;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Dashboard;

/// <summary>
/// <c>/dashboard</c>: one self-contained page (inline CSS and JavaScript, canvas charts, nothing fetched from elsewhere)
/// that holds no data itself; it reads <c>/dashboard/feed</c>, a small JSON document of the gateway's own in-memory
/// aggregates, which requires the <c>admin</c> scope.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Page = "/dashboard";
    public const string Feed = "/dashboard/feed";

    /// <summary>No scripts, styles, images or connections but the page's own and its feed.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapGatewayDashboard(this IEndpointRouteBuilder app)
    {
        var sp = app.ServiceProvider;
        var telemetry = sp.GetRequiredService<GatewayTelemetry>();
        var services = sp.GetRequiredService<UpstreamServices>();
        var health = sp.GetRequiredService<HealthMonitor>();
        var cache = sp.GetService<CacheFeed>();
        var hub = sp.GetService<Realtime.RealtimeStats>();
        var page = DashboardPage.Bytes;

        IntrospectionEndpoints.Map(app, Page, context =>
        {
            var response = context.Response;
            response.ContentType = "text/html; charset=utf-8";
            response.ContentLength = page.Length;
            response.Headers.CacheControl = "no-cache";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers.XFrameOptions = "DENY";
            response.Headers["Referrer-Policy"] = "no-referrer";
            GatewayResponseHeaders.Apply(response);
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(page, context.RequestAborted).AsTask();
        });

        IntrospectionEndpoints.Map(app, Feed, context =>
        {
            // Probe rounds run in the background; a feed with no round yet starts one so the page shows health soon.
            if (health.Last is null)
            {
                _ = health.ProbeAsync();
            }

            return HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, json =>
            {
                WriteFeed(json, telemetry, services, health.Last, cache);
                if (hub is not null)
                {
                    json.WriteStartObject("websocket");
                    hub.WriteMembers(json);
                    json.WriteEndObject();
                }
            });
        }).RequireGatewayScope(RequiresScopeAttribute.Admin);
        return app;
    }

    internal static void WriteFeed(Utf8JsonWriter json, GatewayTelemetry telemetry, UpstreamServices services, HealthReport? report, CacheFeed? cache = null)
    {
        json.WriteString("now", IntrospectionEndpoints.Timestamp(DateTimeOffset.UtcNow));
        json.WriteString("version", HealthEndpoints.Version);
        json.WriteNumber("windowSeconds", TrafficStats.WindowSeconds);
        var stats = telemetry.Stats;
        json.WriteBoolean("enabled", stats is not null);
        if (stats is not null)
        {
            json.WriteNumber("uptimeSeconds", stats.UptimeSeconds);
            json.WriteStartObject("totals");
            json.WriteNumber("requests", stats.TotalRequests);
            json.WriteNumber("errors", stats.TotalErrors);
            json.WriteNumber("rateLimited", stats.TotalRateLimited);
            json.WriteEndObject();

            // Per second, oldest first; the last entry is the second in progress.
            var series = stats.Series();
            json.WriteStartArray("series");
            foreach (var slot in series)
            {
                json.WriteStartArray();
                json.WriteNumberValue(slot.Requests);
                json.WriteNumberValue(slot.Errors);
                json.WriteNumberValue(slot.RateLimited);
                json.WriteEndArray();
            }

            json.WriteEndArray();

            // The last 10 complete seconds, for the headline numbers.
            int requests = 0, errors = 0, limited = 0;
            for (var i = series.Length - 11; i < series.Length - 1; i++)
            {
                requests += series[i].Requests;
                errors += series[i].Errors;
                limited += series[i].RateLimited;
            }

            json.WriteNumber("requestsPerSecond", requests / 10.0);
            json.WriteNumber("errorRate", requests == 0 ? 0 : (double)errors / requests);
            json.WriteNumber("rateLimitedPerSecond", limited / 10.0);
            WriteRoutes(json, stats);
        }

        json.WriteStartArray("services");
        foreach (var service in services.All)
        {
            IntrospectionEndpoints.WriteService(json, service, telemetry, IntrospectionEndpoints.Find(report, service.Name));
        }

        json.WriteEndArray();
        if (report is not null)
        {
            json.WriteString("healthCheckedAt", IntrospectionEndpoints.Timestamp(report.Timestamp));
        }

        cache?.Write(json);
    }

    /// <summary>Routes seen in the window, busiest first, with latency percentiles over the window.</summary>
    private static void WriteRoutes(Utf8JsonWriter json, TrafficStats stats)
    {
        var rows = new List<(TrafficStats.RouteStats Route, TrafficStats.Slot Window, long[] Bins)>();
        foreach (var route in stats.Routes)
        {
            var bins = new long[TrafficStats.BinUpperMs.Length + 1];
            var window = route.Window(bins);
            rows.Add((route, window, bins));
        }

        rows.Sort(static (a, b) => b.Window.Requests != a.Window.Requests
            ? b.Window.Requests.CompareTo(a.Window.Requests)
            : b.Route.Total.CompareTo(a.Route.Total));

        json.WriteStartArray("routes");
        foreach (var (route, window, bins) in rows)
        {
            json.WriteStartObject();
            json.WriteString("endpoint", route.Endpoint);
            json.WriteNumber("requests", window.Requests);
            json.WriteNumber("errors", window.Errors);
            json.WriteNumber("rateLimited", window.RateLimited);
            json.WriteNumber("total", route.Total);
            WritePercentile(json, "p50", bins, 0.50);
            WritePercentile(json, "p95", bins, 0.95);
            WritePercentile(json, "p99", bins, 0.99);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WritePercentile(Utf8JsonWriter json, string name, long[] bins, double quantile)
    {
        if (TrafficStats.Percentile(bins, quantile) is { } ms)
        {
            json.WriteNumber(name, Math.Round(ms, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
