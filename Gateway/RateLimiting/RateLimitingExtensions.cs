using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.RateLimiting;

internal static class RateLimitingExtensions
{
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateWith<RateLimitOptions, RateLimitOptionsValidator>();
        services.AddSingleton<ClientAddress>();
        services.AddSingleton<RedisRateLimitStore>();
        services.AddHostedService(static services => services.GetRequiredService<RedisRateLimitStore>());
        services.AddSingleton<ClientRateLimiter>();
        return services;
    }
}
