using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Auth;

internal static class AuthExtensions
{
    /// <summary>API keys (the contract's and named ones), JWT bearer tokens when configured, per-route scopes.</summary>
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateWith<AuthOptions, AuthOptionsValidator>()
            .Reloadable(AuthOptions.Section);
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<BearerTokenAuthenticator>();
        services.AddSingleton<RouteScopes>();

        // The handler is registered always but invoked only for requests with a Bearer header when JWT is configured;
        // the framework's authentication middleware stays out of the pipeline (see UseGatewayAuth), so no other
        // request pays for it.
        services.AddAuthentication().AddJwtBearer(JwtBearerSetup.Scheme, static _ => { });
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>();
        RemoveKeyRingStartup(services);
        return services;
    }

    /// <summary>
    /// <c>AddAuthentication</c> registers Data Protection, which bearer tokens never use, and its hosted service would
    /// build a key ring at every start: an unencrypted key written under <c>$HOME/.aspnet</c> (or a warning on a
    /// read-only file system), a warning about it in the log, and the XML stack loaded, for nothing. The services stay
    /// registered, unused; only the start-up step goes.
    /// </summary>
    private static void RemoveKeyRingStartup(IServiceCollection services)
    {
        var dataProtection = typeof(DataProtectionOptions).Assembly;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var service = services[i];
            if (service.ServiceType == typeof(IHostedService) && !service.IsKeyedService && service.ImplementationType?.Assembly == dataProtection)
            {
                services.RemoveAt(i);
            }
        }
    }

    /// <summary>The key <c>UseAuthentication</c> sets; a host that finds it set does not add the middleware itself.</summary>
    internal const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    /// <summary>
    /// Authentication and scope checks; after <c>UseRouting</c>, before rate limiting. Marks authentication as
    /// handled: a <see cref="WebApplication"/> otherwise adds the framework's authentication middleware in front of
    /// everything once a scheme is registered, and it created a DI scope, a handler provider and a scheme lookup on
    /// every request for a scheme the gateway only calls by name (the allocations: docs/performance.md, "Allocations and meters").
    /// </summary>
    public static IApplicationBuilder UseGatewayAuth(this IApplicationBuilder app)
    {
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        return app.UseMiddleware<GatewayAuthMiddleware>();
    }

    /// <summary>Requires an authenticated client holding <paramref name="scope"/> on these endpoints (401 / 403 otherwise).</summary>
    public static TBuilder RequireGatewayScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(scope == RequiresScopeAttribute.Admin ? RequiresScopeAttribute.AdminScope : new RequiresScopeAttribute(scope));

    /// <summary>Requires an authenticated client, whatever its scopes, on these endpoints (401 otherwise).</summary>
    public static TBuilder RequireGatewayClient<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RequiresScopeAttribute.AnyClient);
}
