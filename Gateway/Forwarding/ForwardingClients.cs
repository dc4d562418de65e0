using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
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
    /// life, behind a per-service circuit breaker and the response-headers timeout.
    /// </summary>
    public static IServiceCollection AddGatewayForwarding(this IServiceCollection services)
    {
        services.AddValidatedOptions<ForwardingOptions, ForwardingOptionsValidator>(ForwardingOptions.Section);
        services.AddValidatedOptions<CircuitBreakerOptions, CircuitBreakerOptionsValidator>(CircuitBreakerOptions.Section);
        services.AddValidatedOptions<ServicesOptions, ServicesOptionsValidator>(ServicesOptions.Section);
        services.AddValidatedOptions<LoadBalancingOptions, LoadBalancingOptionsValidator>(LoadBalancingOptions.Section);
        services.AddValidatedOptions<RetryOptions, RetryOptionsValidator>(RetryOptions.Section);
        services.AddSingleton<InstanceDirectory>();

        foreach (var service in UpstreamServices.Names)
        {
            var client = services.AddHttpClient(ForwarderClientName(service))
                .ConfigurePrimaryHttpMessageHandler(static sp => CreateHandler(sp.GetRequiredService<IOptions<ForwardingOptions>>().Value))
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
                .RemoveAllLoggers();

            client.AddResilienceHandler("circuit-breaker", static (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<CircuitBreakerOptions>>().Value;
                if (!options.Enabled)
                {
                    return;
                }

                // One breaker per instance (pipelines are selected by authority); each reports its state to the balancer.
                var directory = context.ServiceProvider.GetRequiredService<InstanceDirectory>();

                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 1.0,
                    MinimumThroughput = options.FailureThreshold,
                    SamplingDuration = TimeSpan.FromSeconds(options.SamplingSeconds),
                    BreakDuration = TimeSpan.FromSeconds(options.BreakSeconds),
                    ShouldHandle = static args => UpstreamFailures.Counts(args.Outcome, args.Context.CancellationToken),
                    OnOpened = args =>
                    {
                        var duration = args.BreakDuration;
                        directory.Update(args.Context.GetRequestMessage()?.RequestUri, instance => instance.CircuitOpened(duration));
                        return default;
                    },
                    OnHalfOpened = args =>
                    {
                        directory.Update(args.Context.GetRequestMessage()?.RequestUri, static instance => instance.CircuitHalfOpened());
                        return default;
                    },
                    OnClosed = args =>
                    {
                        directory.Update(args.Context.GetRequestMessage()?.RequestUri, static instance => instance.CircuitClosed());
                        return default;
                    },
                });
            }).SelectPipelineByAuthority();

            client.AddHttpMessageHandler(static sp =>
                new UpstreamTimeoutHandler(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ForwardingOptions>>().Value.TimeoutSeconds)));
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
