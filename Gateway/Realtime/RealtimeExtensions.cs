using System.Text.Json;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Realtime;

internal static class RealtimeExtensions
{
    public const string StatsPath = "/api/websocket/stats";

    private static readonly PathString HubPath = new(HubEndpoint.Path);

    public static IServiceCollection AddGatewayRealtime(this IServiceCollection services)
    {
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section).ValidateWith<RealtimeOptions, RealtimeOptionsValidator>();
        services.AddSingleton(static sp => sp.GetRequiredService<IOptions<RealtimeOptions>>().Value);
        services.AddSingleton<RealtimeStats>();
        services.AddSingleton<HubSessions>();
        services.AddSingleton<OfflineQueue>();
        services.AddSingleton<RealtimeHub>();
        services.AddSingleton<HubEndpoint>();
        services.AddSingleton<IHealthSection, RealtimeHealthSection>();
        services.AddSingleton<SystemStatusPublisher>();
        services.AddHostedService(static sp => sp.GetRequiredService<SystemStatusPublisher>());
        services.AddSingleton<RedisHubBackplane>();
        services.AddHostedService(static sp => sp.GetRequiredService<RedisHubBackplane>());
        services.AddHostedService<HubDrain>();
        services.AddSingleton<IRouteStepFactory, StreamBridgeStepFactory>();
        return services;
    }

    /// <summary>
    /// The WebSocket middleware, on <c>/ws</c> only: it sets a handshake feature object on every request that could be
    /// upgraded (every HTTP/1.1 request), an allocation the forwarded requests need not pay. Routes with the WebSocket
    /// policy tunnel the upgrade themselves (Gateway/Tunnel) and do not use it.
    /// </summary>
    public static IApplicationBuilder UseGatewayRealtime(this IApplicationBuilder app) =>
        app.UseWhen(static context => context.Request.Path.StartsWithSegments(HubPath), static hub => hub.UseWebSockets());

    /// <summary><c>/ws</c> (GET for RFC 6455, CONNECT for RFC 8441) and <c>GET /api/websocket/stats</c> (any authenticated client).</summary>
    public static IEndpointRouteBuilder MapGatewayRealtime(this IEndpointRouteBuilder app)
    {
        var hub = app.ServiceProvider.GetRequiredService<HubEndpoint>();
        app.MapMethods(HubEndpoint.Path, [HttpMethods.Get, HttpMethods.Connect], hub.HandleAsync)
            .WithMetadata(new MetricsLabel(HubEndpoint.Path));

        var stats = app.ServiceProvider.GetRequiredService<RealtimeStats>();
        app.MapMethods(StatsPath, GatewayMethods.Get, context => HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, stats.WriteMembers))
            .WithMetadata(new MetricsLabel(StatsPath))
            .WithMetadata(RequiresScopeAttribute.AnyClient);
        return app;
    }

    /// <summary><c>websocket_stats</c> in <c>/api/health</c>.</summary>
    private sealed class RealtimeHealthSection(RealtimeStats stats) : IHealthSection
    {
        public string Name => "websocket_stats";

        public void WriteMembers(Utf8JsonWriter json) => stats.WriteMembers(json);
    }
}
