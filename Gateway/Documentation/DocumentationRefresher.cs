namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// Refreshes <see cref="ApiDocumentation"/> at start, every <see cref="DocumentationOptions.RefreshSeconds"/>, and
/// when the routes change; while a service's document is missing it tries again sooner (every 30 s at most).
/// </summary>
internal sealed partial class DocumentationRefresher : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    private readonly ApiDocumentation _documentation;
    private readonly TimeSpan _interval;
    private readonly bool _enabled;
    private readonly ILogger<DocumentationRefresher> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public DocumentationRefresher(ApiDocumentation documentation, IDocumentedRoutes routes, IOptions<DocumentationOptions> options, ILogger<DocumentationRefresher> logger)
    {
        _documentation = documentation;
        _interval = TimeSpan.FromSeconds(options.Value.RefreshSeconds);
        _enabled = options.Value.Enabled;
        _logger = logger;
        routes.Changed += Wake;
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // a refresh is already due
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_enabled)
        {
            return;
        }

        await Task.Yield(); // start-up goes on while the first fetch runs
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _documentation.RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.RefreshFailed(_logger, e); // a bug: the last build keeps serving
            }

            try
            {
                await _wake.WaitAsync(_documentation.HasProblems && RetryDelay < _interval ? RetryDelay : _interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9403, LogLevel.Error, "API documentation: the refresh failed; the last build keeps serving")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
