using Microsoft.Extensions.DependencyInjection.Extensions;
using PyAirtable.Gateway.Configuration;
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
}
