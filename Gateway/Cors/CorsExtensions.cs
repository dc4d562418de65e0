using Microsoft.AspNetCore.Cors.Infrastructure;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Cors;

internal static class CorsExtensions
{
    /// <summary>The allowlist as the default CORS policy, following configuration reloads (<see cref="GatewayCorsPolicyProvider"/>).</summary>
    public static IServiceCollection AddGatewayCors(this IServiceCollection services)
    {
        services.AddOptions<GatewayCorsOptions>().BindConfiguration(GatewayCorsOptions.Section).ValidateWith<GatewayCorsOptions, GatewayCorsOptionsValidator>()
            .Reloadable(GatewayCorsOptions.Section);
        services.AddCors();
        services.AddSingleton<ICorsPolicyProvider, GatewayCorsPolicyProvider>();
        return services;
    }

    /// <summary>CORS answers and preflights for the allowlist; first after observability, so refusals carry request ids.</summary>
    public static IApplicationBuilder UseGatewayCors(this IApplicationBuilder app) => app.UseMiddleware<GatewayCorsMiddleware>();
}
