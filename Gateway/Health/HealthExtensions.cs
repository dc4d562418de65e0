using Microsoft.Extensions.DependencyInjection.Extensions;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Health;

internal static class HealthExtensions
{
    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateWith<HealthOptions, HealthOptionsValidator>();
        services.AddSingleton<IValidateOptions<ShutdownOptions>, HealthOptionsValidator>();
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>(static (host, shutdown) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.DrainTimeoutSeconds));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HealthMonitor>();
        services.AddSingleton<GatewayLifecycle>();
        services.AddHostedService(static sp => sp.GetRequiredService<GatewayLifecycle>());
        services.AddHostedService<HealthProbeService>();
        return services;
    }
}
