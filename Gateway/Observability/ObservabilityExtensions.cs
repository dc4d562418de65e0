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
    /// stream's points when the stream is created, 2,000 of them by default (a large-object array per metric); the
    /// gateway's own meter keeps that default for its route and status labels.
    /// </summary>
    public const int FrameworkCardinalityLimit = 200;

    private static readonly MetricStreamConfiguration FrameworkStream = new() { CardinalityLimit = FrameworkCardinalityLimit };

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
                    metrics.AddView(StreamOf);
                }

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

    /// <summary>The metric stream of an instrument: the SDK's default for the gateway's meter, a smaller reservation for the framework's.</summary>
    internal static MetricStreamConfiguration? StreamOf(System.Diagnostics.Metrics.Instrument instrument) =>
        string.Equals(instrument.Meter.Name, GatewayMetrics.MeterName, StringComparison.Ordinal) ? null : FrameworkStream;

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
