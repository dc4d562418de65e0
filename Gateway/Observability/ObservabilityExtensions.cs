using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;

namespace PyAirtable.Gateway.Observability;

internal static class ObservabilityExtensions
{
    public static IServiceCollection AddGatewayObservability(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddOpenTelemetry().WithMetrics(static metrics => metrics
            .AddMeter(GatewayMetrics.MeterName)
            .AddPrometheusExporter(static exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>Request ids and request metrics, first in the pipeline so every response carries and counts them.</summary>
    public static IApplicationBuilder UseGatewayObservability(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestIdMiddleware>()
           .UseMiddleware<RequestMetricsMiddleware>();

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
}
