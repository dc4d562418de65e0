namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// At start, creates every <see cref="IReloadableOptions"/> (so changes are followed, and bad ones logged, before the
/// first request) and gives the polled configuration files their logger.
/// </summary>
internal sealed class ConfigurationReloadService : IHostedService
{
    private readonly IServiceProvider _services;

    public ConfigurationReloadService(IServiceProvider services) => _services = services;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = _services.GetRequiredService<ILoggerFactory>().CreateLogger("PyAirtable.Gateway.Configuration.ConfigFile");
        foreach (var file in _services.GetRequiredService<ConfigFiles>().Sources)
        {
            file.AttachLogger(logger);
        }

        _ = _services.GetServices<IReloadableOptions>().ToList();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
