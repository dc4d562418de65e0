using System.Diagnostics.CodeAnalysis;
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

    /// <summary>The instance a request is for (its authority), set by the forwarder: one circuit breaker per key.</summary>
    public static readonly HttpRequestOptionsKey<string> InstanceKey = new("PyAirtable.Gateway.Instance");

    public static string ForwarderClientName(string service) => "forward:" + service;

    /// <summary>
    /// Registers the forwarder and its clients: a <see cref="SocketsHttpHandler"/> set up for proxying (no proxy,
    /// redirects, decompression or cookies; a connect timeout; connections renewed for DNS), kept for the process's
    /// life, behind a per-service circuit breaker and the response-headers timeout.
    /// </summary>
    public static IServiceCollection AddGatewayForwarding(this IServiceCollection services)
    {
        services.AddOptions<ForwardingOptions>().BindConfiguration(ForwardingOptions.Section).ValidateWith<ForwardingOptions, ForwardingOptionsValidator>();
        services.AddOptions<CircuitBreakerOptions>().BindConfiguration(CircuitBreakerOptions.Section).ValidateWith<CircuitBreakerOptions, CircuitBreakerOptionsValidator>();
        services.AddOptions<ServicesOptions>().BindConfiguration(ServicesOptions.Section).ValidateWith<ServicesOptions, ServicesOptionsValidator>();
        services.AddOptions<LoadBalancingOptions>().BindConfiguration(LoadBalancingOptions.Section).ValidateWith<LoadBalancingOptions, LoadBalancingOptionsValidator>();
        services.AddOptions<RetryOptions>().BindConfiguration(RetryOptions.Section).ValidateWith<RetryOptions, RetryOptionsValidator>();
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

                var threshold = options.FailureThreshold;
                var breakDuration = TimeSpan.FromSeconds(options.BreakSeconds);
                AddBreaker(pipeline, strategy => new ConsecutiveFailuresCircuitBreaker(threshold, breakDuration, strategy.TimeProvider, (uri, state, duration) =>
                    directory.Update(uri, instance => instance.CircuitChanged(state, duration))));
            }).SelectPipelineBy(static _ => static request =>
                request.Options.TryGetValue(InstanceKey, out var key) ? key : UpstreamInstance.AuthorityOf(request.RequestUri!));

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

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Polly validates the options' data annotations; the breaker's options declare none beyond Polly's own, which are kept.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(ConsecutiveFailuresCircuitBreakerOptions))]
    private static void AddBreaker(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, Func<StrategyBuilderContext, ResilienceStrategy<HttpResponseMessage>> create) =>
        pipeline.AddStrategy(create, new ConsecutiveFailuresCircuitBreakerOptions());

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
