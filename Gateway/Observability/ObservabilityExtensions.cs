using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Introspection;

namespace PyAirtable.Gateway.Observability;

internal static class ObservabilityExtensions
{
    /// <summary>The standard OpenTelemetry variable; when set, traces are recorded and exported there over OTLP.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Series kept per metric of the framework's meters (Kestrel, the runtime: a handful each). The SDK reserves every
    /// stream's points when the stream is created (72 bytes a point; 2,000 points, a large-object array, by default).
    /// </summary>
    public const int FrameworkCardinalityLimit = 200;

    /// <summary>
    /// Series kept per metric of the gateway's meter, except <c>gateway_requests</c>: their labels are a route, a
    /// service, an instance or a direction, and 500 series cover 250 routes with both tunnel directions. Further
    /// series are counted together in the SDK's overflow series (<c>otel_metric_overflow="true"</c>).
    /// </summary>
    public const int GatewayCardinalityLimit = 500;

    /// <summary><c>gateway_requests</c> (method × route × status) keeps the SDK's default, 2,000 series.</summary>
    private const string RequestsMetric = "gateway_requests";

    private static readonly MetricStreamConfiguration FrameworkStream = new() { CardinalityLimit = FrameworkCardinalityLimit };
    private static readonly MetricStreamConfiguration GatewayStream = new() { CardinalityLimit = GatewayCardinalityLimit };

    /// <summary>Headers that are never logged, whatever the allow-list says.</summary>
    private static readonly string[] CredentialHeaders =
        ["X-API-Key", "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"];

    /// <summary>
    /// Metrics (the gateway's meter, and the standard ones unless switched off) at <c>/metrics</c>; traces when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set or <c>Gateway:Observability:Tracing</c> is true; header and body
    /// logging when switched on; the access log; the in-memory aggregates of the dashboard; the operator endpoints.
    /// </summary>
    public static WebApplicationBuilder AddGatewayObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section).ValidateWith<ObservabilityOptions, ObservabilityOptionsValidator>();
        var options = configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();

        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<TrafficStats>();
        services.AddSingleton<GatewayTelemetry>();
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(static provider => provider.GetRequiredService<AccessLogWriter>());
        services.AddSingleton<EffectiveConfiguration>();

        var otlp = configuration[OtlpEndpointVariable];
        var tracing = options.Tracing ?? !string.IsNullOrWhiteSpace(otlp);
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(static resource => resource.AddService("pyairtable-api-gateway", serviceVersion: Health.HealthEndpoints.Version))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayMetrics.MeterName);
                if (options.StandardMeters)
                {
                    metrics.AddMeter(options.StandardMeterNames.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                }

                metrics.AddView(StreamOf);

                metrics.AddPrometheusExporter(static exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (tracing)
        {
            otel.WithTracing(traces =>
            {
                traces.AddSource(GatewayTelemetry.ActivitySourceName, "Microsoft.AspNetCore", "System.Net.Http");
                if (!string.IsNullOrWhiteSpace(otlp))
                {
                    traces.AddOtlpExporter();
                }
            });
        }

        if (options.BodyLogging.Enabled)
        {
            AddBodyLogging(builder, options.BodyLogging);
        }

        // The slim host pins the simple console formatter; honour Logging:Console:FormatterName (LOG_FORMAT) as the full host does.
        var format = configuration["Logging:Console:FormatterName"];
        if (string.Equals(format, ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole();
        }
        else if (string.Equals(format, ConsoleFormatterNames.Systemd, StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddSystemdConsole();
        }

        return builder;
    }

    /// <summary>
    /// The metric stream of an instrument: the SDK's default for <c>gateway_requests</c>, a reservation sized to the
    /// labels for the gateway's other metrics and a small one for the framework's.
    /// </summary>
    internal static MetricStreamConfiguration? StreamOf(System.Diagnostics.Metrics.Instrument instrument)
    {
        if (!string.Equals(instrument.Meter.Name, GatewayMetrics.MeterName, StringComparison.Ordinal))
        {
            return FrameworkStream;
        }

        return string.Equals(instrument.Name, RequestsMetric, StringComparison.Ordinal) ? null : GatewayStream;
    }

    /// <summary>Request ids, then telemetry (and header/body logging when on), first in the pipeline so every response carries and counts them.</summary>
    public static IApplicationBuilder UseGatewayObservability(this IApplicationBuilder app)
    {
        app.UseMiddleware<RequestIdMiddleware>()
           .UseMiddleware<RequestTelemetryMiddleware>();
        if (app.ApplicationServices.GetRequiredService<IOptions<ObservabilityOptions>>().Value.BodyLogging.Enabled)
        {
            app.UseHttpLogging();
        }

        return app;
    }

    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new MetricsLabel("/metrics"));
        return app;
    }

    /// <summary>Counts client connections in <c>gateway_active_connections</c>, for every Kestrel endpoint.</summary>
    public static void CountConnections(this Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen, GatewayMetrics metrics) =>
        listen.Use(next => async connection =>
        {
            metrics.ConnectionOpened();
            try
            {
                await next(connection);
            }
            finally
            {
                metrics.ConnectionClosed();
            }
        });

    /// <summary>
    /// ASP.NET Core's HTTP logging: request and response line, headers and the first <see cref="BodyLoggingOptions.MaxBodyBytes"/>
    /// of text bodies, in one entry per request. Only allow-listed headers show their values; credentials never do,
    /// and the query string (which may hold a misplaced key) is never logged.
    /// </summary>
    private static void AddBodyLogging(WebApplicationBuilder builder, BodyLoggingOptions body)
    {
        builder.Services.AddHttpLogging(logging =>
        {
            logging.LoggingFields = HttpLoggingFields.RequestPropertiesAndHeaders | HttpLoggingFields.RequestBody
                | HttpLoggingFields.ResponsePropertiesAndHeaders | HttpLoggingFields.ResponseBody | HttpLoggingFields.Duration;
            logging.RequestBodyLogLimit = body.MaxBodyBytes;
            logging.ResponseBodyLogLimit = body.MaxBodyBytes;
            logging.CombineLogs = true;
            logging.RequestHeaders.Clear();
            logging.ResponseHeaders.Clear();
            foreach (var header in body.Headers.Length == 0 ? BodyLoggingOptions.DefaultHeaders : body.Headers)
            {
                if (!IsCredential(header))
                {
                    logging.RequestHeaders.Add(header);
                    logging.ResponseHeaders.Add(header);
                }
            }
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information);
    }

    private static bool IsCredential(string header)
    {
        foreach (var credential in CredentialHeaders)
        {
            if (string.Equals(header, credential, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
