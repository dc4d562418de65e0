using Microsoft.Extensions.DependencyInjection.Extensions;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Caching;

internal static class CacheServices
{
    /// <summary>The response cache: its memory tier, collapsing, metrics and the route step that uses them.</summary>
    public static IServiceCollection AddGatewayCaching(this IServiceCollection services)
    {
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section).ValidateWith<CacheOptions, CacheOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<MemoryResponseCache>();
        services.AddSingleton<RequestCollapser>();
        services.AddSingleton<IRouteStepFactory, CacheStep.Factory>();
        return services;
    }

    /// <summary>
    /// <c>DELETE /_gateway/cache</c> (admin scope): empties the cache, or with <c>?prefix=/api/airtable/bases/app1</c>
    /// removes the entries whose path starts with it; answers <c>{"removed": n}</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayCache(this IEndpointRouteBuilder app)
    {
        var cache = app.ServiceProvider.GetRequiredService<MemoryResponseCache>();
        app.MapMethods(PurgePath, [HttpMethods.Delete], context =>
        {
            var prefix = context.Request.Query["prefix"];
            if (prefix.Count > 1 || (prefix.Count == 1 && prefix[0]?.StartsWith('/') != true))
            {
                return ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request",
                    "prefix must be given once, as a path starting with '/' (such as /api/airtable/bases/app1).");
            }

            var removed = cache.Purge(prefix.Count == 1 ? prefix[0]! : "");
            return HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, json => json.WriteNumber("removed", removed));
        })
            .WithMetadata(new MetricsLabel(PurgePath))
            .RequireGatewayScope(RequiresScopeAttribute.Admin);
        return app;
    }

    public const string PurgePath = "/_gateway/cache";
}
