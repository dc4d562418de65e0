using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Tunnel;

internal static class TunnelExtensions
{
    /// <summary>WebSocket pass-through: its options, metrics, and the route step that tunnels or refuses upgrades.</summary>
    public static IServiceCollection AddGatewayTunnel(this IServiceCollection services)
    {
        services.AddOptions<TunnelOptions>().BindConfiguration(TunnelOptions.Section).ValidateWith<TunnelOptions, TunnelOptionsValidator>();
        services.AddSingleton<TunnelMetrics>();
        services.AddSingleton<IRouteStepFactory, WebSocketTunnelStep.Factory>();
        return services;
    }
}
