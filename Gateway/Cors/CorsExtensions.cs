using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Cors;

internal static class CorsExtensions
{
    /// <summary>The allowlist as the default CORS policy; credentials only with named origins, never with <c>*</c>.</summary>
    public static IServiceCollection AddGatewayCors(this IServiceCollection services)
    {
        services.AddOptions<GatewayCorsOptions>().BindConfiguration(GatewayCorsOptions.Section).ValidateWith<GatewayCorsOptions, GatewayCorsOptionsValidator>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<GatewayCorsOptions>>(static (cors, gateway) =>
            cors.AddDefaultPolicy(policy =>
            {
                var origins = gateway.Value.OriginList;
                if (origins is ["*"])
                {
                    policy.AllowAnyOrigin();
                }
                else
                {
                    policy.WithOrigins(origins).AllowCredentials();
                }

                policy.AllowAnyHeader()
                    .AllowAnyMethod()
                    .WithExposedHeaders(GatewayHeaders.RequestId, HeaderNames.RetryAfter, GatewayHeaders.RateLimitLimit, GatewayHeaders.RateLimitRemaining, GatewayHeaders.RateLimitReset)
                    .SetPreflightMaxAge(TimeSpan.FromSeconds(gateway.Value.PreflightMaxAgeSeconds));
            }));
        return services;
    }
}
