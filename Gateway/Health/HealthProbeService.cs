namespace PyAirtable.Gateway.Health;

/// <summary>Runs a probe round every <see cref="HealthOptions.IntervalSeconds"/> so health metrics stay current without callers.</summary>
internal sealed class HealthProbeService : BackgroundService
{
    private readonly HealthMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;

    public HealthProbeService(HealthMonitor monitor, IOptions<HealthOptions> options, TimeProvider time)
    {
        _monitor = monitor;
        _time = time;
        _interval = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_interval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await _monitor.ProbeNowAsync().WaitAsync(stoppingToken);
        }
    }
}
