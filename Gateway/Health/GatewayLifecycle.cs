namespace PyAirtable.Gateway.Health;

/// <summary>Readiness: the gateway stops being ready the moment shutdown begins, so load balancers drain it.</summary>
internal sealed partial class GatewayLifecycle : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<GatewayLifecycle> _logger;
    private readonly TimeSpan _drain;
    private volatile bool _draining;

    public GatewayLifecycle(IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, ILogger<GatewayLifecycle> logger)
    {
        _lifetime = lifetime;
        _logger = logger;
        _drain = TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds);
    }

    public bool IsDraining => _draining;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStopping.Register(static state =>
        {
            var self = (GatewayLifecycle)state!;
            self._draining = true;
            Log.Draining(self._logger, self._drain.TotalSeconds);
        }, this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(4101, LogLevel.Information, "Shutting down: not ready any more; requests in flight get up to {DrainSeconds} s")]
        public static partial void Draining(ILogger logger, double drainSeconds);
    }
}
