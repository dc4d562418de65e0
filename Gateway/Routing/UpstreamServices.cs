using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Resilience;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// The three services, built from configuration, indexed by <see cref="ServiceKind"/>. When the service list reloads,
/// a service whose URLs changed gets a new instance set (instances whose URL stayed keep their state).
/// </summary>
internal sealed partial class UpstreamServices
{
    public const string AirtableGatewayName = "airtable-gateway";
    public const string McpServerName = "mcp-server";
    public const string LlmOrchestratorName = "llm-orchestrator";

    /// <summary>The service names in <see cref="ServiceKind"/> order (also the named HTTP clients).</summary>
    public static readonly string[] Names = [AirtableGatewayName, McpServerName, LlmOrchestratorName];

    private readonly UpstreamService[] _services;
    private readonly RetryOptions _retry;
    private readonly ForwardingOptions _forwarding;
    private readonly CircuitBreakerOptions _breaker;
    private readonly ILogger<UpstreamServices> _logger;
    private readonly BalancingPolicy _policy;
    private readonly IHttpMessageHandlerFactory _handlers;
    private readonly Lock _gate = new();

    public UpstreamServices(
        ReloadableOptions<ServicesOptions> services,
        IOptions<LoadBalancingOptions> balancing,
        IOptions<RetryOptions> retry,
        IOptions<ForwardingOptions> forwarding,
        IOptions<CircuitBreakerOptions> breaker,
        IHttpMessageHandlerFactory handlers,
        ILogger<UpstreamServices> logger)
    {
        _retry = retry.Value;
        _forwarding = forwarding.Value;
        _breaker = breaker.Value;
        _logger = logger;
        _policy = balancing.Value.Policy;
        _handlers = handlers;
        var endpoints = Endpoints(services.Current);
        _services = new UpstreamService[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var service = Create((ServiceKind)i, endpoints[i], balancing.Value.Policy, handlers);
            SetAttempts(service);
            AddBreakers(service.All);
            _services[i] = service;
        }

        services.Changed += Apply;
    }

    public IReadOnlyList<UpstreamService> All => _services;

    public UpstreamService this[ServiceKind kind] => _services[(int)kind];

    /// <summary>
    /// A service declared by name in the route table (<c>Gateway:Services:&lt;Name&gt;</c>), with the same breakers,
    /// balancing and retries as the built-in ones; its URLs have been validated. The route table owns it.
    /// </summary>
    public UpstreamService CreateConfigured(string name, string url, string? backupUrl, string[] primaries, string[] backups)
    {
        var invoker = new HttpMessageInvoker(_handlers.CreateHandler(ForwardingClients.ForwarderClientName(ConfiguredClient)), disposeHandler: false);
        var service = new UpstreamService(ServiceKind.Configured, name, url, primaries, backups, _policy, invoker, backupUrl);
        AddBreakers(service.All);
        SetAttempts(service);
        return service;
    }

    /// <summary>The named HTTP client (one pooled handler) shared by the services declared in the route table.</summary>
    public const string ConfiguredClient = "configured";

    /// <summary>Takes a reloaded (validated) service list: each service whose URLs changed gets its new instance set.</summary>
    public void Apply(ServicesOptions options)
    {
        lock (_gate)
        {
            var endpoints = Endpoints(options);
            for (var i = 0; i < endpoints.Length; i++)
            {
                var service = _services[i];
                var current = service.Instances;
                if (!ServiceUrls.TryParse(endpoints[i].Url, out var primaries, out _))
                {
                    continue; // the validator has refused it already
                }

                string[]? backups = [];
                if (!string.IsNullOrWhiteSpace(endpoints[i].BackupUrl) && !ServiceUrls.TryParse(endpoints[i].BackupUrl, out backups, out _))
                {
                    continue;
                }

                if (current.ConfiguredUrl == endpoints[i].Url && Same(current.Primaries, primaries) && Same(current.Backups, backups))
                {
                    continue;
                }

                // Instances that stay keep their breaker (and its state); new ones start closed.
                var next = UpstreamInstanceSet.Create(endpoints[i].Url, primaries, backups, current);
                AddBreakers(next.All);

                // Attempts follow the instance count: dropped before a shrink to one instance, rebuilt after a change.
                if (next.All.Length == 1)
                {
                    service.Attempts = null;
                }

                service.Replace(next);
                SetAttempts(service);

                Log.InstancesReloaded(_logger, service.Name, string.Join(", ", primaries), backups.Length == 0 ? "none" : string.Join(", ", backups));
            }
        }
    }

    private void AddBreakers(UpstreamInstance[] instances)
    {
        if (!_breaker.Enabled)
        {
            return;
        }

        var breakDuration = TimeSpan.FromSeconds(_breaker.BreakSeconds);
        foreach (var instance in instances)
        {
            instance.Breaker ??= new InstanceCircuitBreaker(_breaker.FailureThreshold, breakDuration);
        }
    }

    private static ServiceEndpointOptions[] Endpoints(ServicesOptions o) => [o.AirtableGateway, o.McpServer, o.LlmOrchestrator];

    private static bool Same(UpstreamInstance[] instances, string[] urls)
    {
        if (instances.Length != urls.Length)
        {
            return false;
        }

        for (var i = 0; i < urls.Length; i++)
        {
            if (!string.Equals(instances[i].BaseUrl, urls[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The retry pipeline for a service with several instances (when retries are on), sized to its instance count.</summary>
    private void SetAttempts(UpstreamService service)
    {
        if (service.HasAlternatives && _retry.MaxRetries > 0)
        {
            service.Budget ??= new RetryBudget(_retry.BudgetPercent, _retry.MinRetriesPerSecond);
            service.Attempts = BuildAttempts(service, _retry, _forwarding);
        }
        else
        {
            service.Attempts = null;
        }
    }

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
    private static ResiliencePipeline<HttpResponseMessage> BuildAttempts(UpstreamService service, RetryOptions retry, ForwardingOptions forwarding)
    {
        // The first attempt runs outside the pipeline; the pipeline's first call is the first retry (on another instance,
        // at once), its own retries the later ones (backing off).
        var total = TimeSpan.FromSeconds(forwarding.TotalTimeoutSeconds);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "attempts:" + service.Name }
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = args => ValueTask.FromResult(UpstreamAttempts.Remaining(args.Context, total)) });
        var later = Math.Min(retry.MaxRetries, service.All.Length - 1) - 1;
        return later < 1 ? builder.Build() : builder
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = later,
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

    private static partial class Log
    {
        [LoggerMessage(8020, LogLevel.Information, "Instances of {Service} reloaded: primaries {Primaries}; backups {Backups}")]
        public static partial void InstancesReloaded(ILogger logger, string service, string primaries, string backups);
    }
}
