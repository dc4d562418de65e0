using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Auth;

internal static class AuthExtensions
{
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateWith<AuthOptions, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyAuthenticator>();
        return services;
    }
}
