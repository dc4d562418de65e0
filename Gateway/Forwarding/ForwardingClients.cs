using System.Net;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>The pooled upstream clients: one named client per service for forwarding, one for health probes.</summary>
internal static class ForwardingClients
{
    public const string HealthClientName = "health";

    public static string ForwarderClientName(string service) => "forward:" + service;

    /// <summary>
    /// Registers the forwarder and its clients: a <see cref="SocketsHttpHandler"/> set up for proxying (no proxy,
    /// redirects, decompression or cookies; a connect timeout; connections renewed for DNS), kept for the process's
    /// life. Nothing sits between the forwarder and the handler: the per-instance circuit breaker and the
    /// response-headers timeout are the forwarder's own steps (<see cref="HttpForwarder.SendAsync"/>), so an attempt
    /// costs no extra async layer, request option or pipeline lookup.
    /// </summary>
    public static IServiceCollection AddGatewayForwarding(this IServiceCollection services)
    {
        services.AddOptions<ForwardingOptions>().BindConfiguration(ForwardingOptions.Section).ValidateWith<ForwardingOptions, ForwardingOptionsValidator>();
        services.AddOptions<CircuitBreakerOptions>().BindConfiguration(CircuitBreakerOptions.Section).ValidateWith<CircuitBreakerOptions, CircuitBreakerOptionsValidator>();
        services.AddOptions<ServicesOptions>().BindConfiguration(ServicesOptions.Section).ValidateWith<ServicesOptions, ServicesOptionsValidator>()
            .Reloadable(ServicesOptions.Section);
        services.AddOptions<LoadBalancingOptions>().BindConfiguration(LoadBalancingOptions.Section).ValidateWith<LoadBalancingOptions, LoadBalancingOptionsValidator>();
        services.AddOptions<RetryOptions>().BindConfiguration(RetryOptions.Section).ValidateWith<RetryOptions, RetryOptionsValidator>();

        foreach (var service in (string[])[.. UpstreamServices.Names, UpstreamServices.ConfiguredClient])
        {
            services.AddHttpClient(ForwarderClientName(service))
                .ConfigurePrimaryHttpMessageHandler(static sp => CreateHandler(sp.GetRequiredService<IOptions<ForwardingOptions>>().Value))
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
                .RemoveAllLoggers();
        }

        services.AddHttpClient(HealthClientName)
            .ConfigurePrimaryHttpMessageHandler(static sp => CreateHandler(sp.GetRequiredService<IOptions<ForwardingOptions>>().Value))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();

        services.AddSingleton<UpstreamServices>();
        services.AddSingleton<HttpForwarder>();
        return services;
    }

    private static SocketsHttpHandler CreateHandler(ForwardingOptions options) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
        PooledConnectionLifetime = TimeSpan.FromSeconds(options.PooledConnectionLifetimeSeconds),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(options.PooledConnectionIdleTimeoutSeconds),
        EnableMultipleHttp2Connections = true,
    };
}
