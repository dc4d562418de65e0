using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Auth;

internal static class AuthExtensions
{
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services)
    {
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.AddSingleton<ApiKeyAuthenticator>();
        return services;
    }
}
