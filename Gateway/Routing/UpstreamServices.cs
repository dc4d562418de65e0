using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Resilience;

namespace PyAirtable.Gateway.Routing;

/// <summary>The three services, built once from configuration, indexed by <see cref="ServiceKind"/>.</summary>
internal sealed class UpstreamServices
{
    public const string AirtableGatewayName = "airtable-gateway";
    public const string McpServerName = "mcp-server";
    public const string LlmOrchestratorName = "llm-orchestrator";

    /// <summary>The service names in <see cref="ServiceKind"/> order (also the named HTTP clients).</summary>
    public static readonly string[] Names = [AirtableGatewayName, McpServerName, LlmOrchestratorName];

    private readonly UpstreamService[] _services;

    public UpstreamServices(
        IOptions<ServicesOptions> services,
        IOptions<LoadBalancingOptions> balancing,
        IOptions<RetryOptions> retry,
        IOptions<ForwardingOptions> forwarding,
        IHttpMessageHandlerFactory handlers,
        InstanceDirectory directory)
    {
        var o = services.Value;
        ServiceEndpointOptions[] endpoints = [o.AirtableGateway, o.McpServer, o.LlmOrchestrator];
        _services = new UpstreamService[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var service = Create((ServiceKind)i, endpoints[i], balancing.Value.Policy, handlers);
            if (service.HasAlternatives && retry.Value.MaxRetries > 0)
            {
                service.Attempts = BuildAttempts(service, retry.Value, forwarding.Value);
                service.Budget = new RetryBudget(retry.Value.BudgetPercent, retry.Value.MinRetriesPerSecond);
            }

            foreach (var instance in service.All)
            {
                directory.Add(instance);
            }

            _services[i] = service;
        }
    }

    public IReadOnlyList<UpstreamService> All => _services;

    public UpstreamService this[ServiceKind kind] => _services[(int)kind];

    private static UpstreamService Create(ServiceKind kind, ServiceEndpointOptions endpoint, BalancingPolicy policy, IHttpMessageHandlerFactory handlers)
    {
        var name = Names[(int)kind];
        if (!ServiceUrls.TryParse(endpoint.Url, out var primaries, out var problem))
        {
            throw new OptionsValidationException(ServicesOptions.Section, typeof(ServicesOptions), [problem]);
        }

        string[]? backups = [];
        if (!string.IsNullOrWhiteSpace(endpoint.BackupUrl) && !ServiceUrls.TryParse(endpoint.BackupUrl, out backups, out problem))
        {
            throw new OptionsValidationException(ServicesOptions.Section, typeof(ServicesOptions), [problem]);
        }

        if (primaries.Length + backups.Length > 64)
        {
            throw new OptionsValidationException(ServicesOptions.Section, typeof(ServicesOptions), [$"{name} has more than 64 instances"]);
        }

        var invoker = new HttpMessageInvoker(handlers.CreateHandler(ForwardingClients.ForwarderClientName(name)), disposeHandler: false);
        return new UpstreamService(kind, name, endpoint.Url, primaries, backups, policy, invoker);
    }

    /// <summary>
    /// Total timeout around retries with exponential back-off and jitter, each attempt on another instance. Which
    /// outcomes are retried, and whether the budget allows it, is <see cref="UpstreamAttempts.ShouldRetry"/>'s call.
    /// </summary>
    private static ResiliencePipeline<HttpResponseMessage> BuildAttempts(UpstreamService service, RetryOptions retry, ForwardingOptions forwarding) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "attempts:" + service.Name }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(forwarding.TotalTimeoutSeconds) })
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Min(retry.MaxRetries, service.All.Length - 1),
                Delay = TimeSpan.FromMilliseconds(retry.BaseDelayMilliseconds),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = false,
                ShouldHandle = static args => ValueTask.FromResult(UpstreamAttempts.ShouldRetry(args.Context, args.Outcome)),
                OnRetry = static args =>
                {
                    UpstreamAttempts.OnRetry(args.Context, args.Outcome);
                    return default;
                },
            })
            .Build();
}
