namespace PyAirtable.Gateway.Realtime;

/// <summary>Placeholder, replaced below.</summary>
internal sealed class RedisHubBackplane : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
