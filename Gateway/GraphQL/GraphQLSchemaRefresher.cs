using PyAirtable.Gateway.Documentation;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>Generates the schema again each time the API documentation publishes a new build.</summary>
internal sealed partial class GraphQLSchemaRefresher : BackgroundService
{
    private readonly ApiDocumentation _documentation;
    private readonly GraphQLSchemaProvider _schemas;
    private readonly ILogger<GraphQLSchemaRefresher> _logger;

    public GraphQLSchemaRefresher(ApiDocumentation documentation, GraphQLSchemaProvider schemas, ILogger<GraphQLSchemaRefresher> logger)
    {
        _documentation = documentation;
        _schemas = schemas;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = _documentation.NextBuildAsync(); // taken before the check, so no build is missed
            try
            {
                _schemas.Refresh();
            }
            catch (Exception e)
            {
                Log.RefreshFailed(_logger, e);
            }

            try
            {
                await next.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9503, LogLevel.Error, "GraphQL schema: generating the first schema failed")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
