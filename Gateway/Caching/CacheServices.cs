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
    /// <summary>The response cache: its memory tier, its Redis tier (with <c>REDIS_URL</c>), collapsing, metrics and the route step that uses them.</summary>
    public static IServiceCollection AddGatewayCaching(this IServiceCollection services)
    {
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section).ValidateWith<CacheOptions, CacheOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<MemoryResponseCache>();
        services.AddSingleton<RedisResponseCache>();
        services.AddHostedService(static services => services.GetRequiredService<RedisResponseCache>());
        services.AddSingleton<RequestCollapser>();
        services.AddSingleton<CacheFeed>();
        services.AddSingleton<IRouteStepFactory, CacheStep.Factory>();
        return services;
    }

    /// <summary>
    /// <c>DELETE /_gateway/cache</c> (admin scope): empties the cache, or with <c>?prefix=/api/airtable/bases/app1</c>
    /// removes the entries whose path starts with it, in Redis too and in every replica's memory; answers <c>{"removed": n}</c>
    /// (the larger of this replica's and Redis' count), or 503 when Redis is configured but away (memory is emptied, and
    /// Redis is purged of everything when it returns).
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayCache(this IEndpointRouteBuilder app)
    {
        var cache = app.ServiceProvider.GetRequiredService<MemoryResponseCache>();
        var shared = app.ServiceProvider.GetRequiredService<RedisResponseCache>();
        app.MapMethods(PurgePath, [HttpMethods.Delete], async context =>
        {
            var prefix = context.Request.Query["prefix"];
            if (prefix.Count > 1 || (prefix.Count == 1 && prefix[0]?.StartsWith('/') != true))
            {
                await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request",
                    "prefix must be given once, as a path starting with '/' (such as /api/airtable/bases/app1).");
                return;
            }

            // Redis first: a replica that stores again between the two steps is then dropped from memory too.
            var path = prefix.Count == 1 ? prefix[0]! : "";
            var sharedRemoved = await shared.PurgeAsync(path);
            var removed = Math.Max(cache.Purge(path), sharedRemoved ?? 0);
            if (sharedRemoved is null)
            {
                // Redis is configured but away: this replica's memory is emptied, the shared tier is purged when it returns.
                await ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                    $"Removed {removed} stored responses from this replica's memory; Redis is unavailable, so the shared cache will be purged when it returns.");
                return;
            }

            await HealthEndpoints.WriteJsonAsync(context, StatusCodes.Status200OK, json => json.WriteNumber("removed", removed));
        })
            .WithMetadata(new MetricsLabel(PurgePath))
            .RequireGatewayScope(RequiresScopeAttribute.Admin);
        return app;
    }

    public const string PurgePath = "/_gateway/cache";
}
