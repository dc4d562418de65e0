using global::GraphQL.Types;
using PyAirtable.Gateway.Documentation;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// The schema in force, generated from the current API document. <see cref="Current"/> is replaced whole once a new
/// schema is built (requests under way finish on the one they started with); until the first build it is generated
/// on first use from whatever document is current.
/// </summary>
internal sealed partial class GraphQLSchemaProvider
{
    private readonly ApiDocumentation _documentation;
    private readonly RouteInvoker _invoker;
    private readonly ILogger<GraphQLSchemaProvider> _logger;
    private readonly Lock _gate = new();
    private volatile GeneratedSchema? _current;
    private TaskCompletionSource<GeneratedSchema> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GraphQLSchemaProvider(ApiDocumentation documentation, RouteInvoker invoker, ILogger<GraphQLSchemaProvider> logger)
    {
        _documentation = documentation;
        _invoker = invoker;
        _logger = logger;
    }

    public GeneratedSchema Current => _current ?? Refresh();

    /// <summary>Completes with the next schema built after this call.</summary>
    public Task<GeneratedSchema> NextAsync()
    {
        lock (_gate)
        {
            return _next.Task;
        }
    }

    /// <summary>Generates the schema of the current document unless the one in force already comes from it; a failure keeps the old one.</summary>
    public GeneratedSchema Refresh()
    {
        var documents = _documentation.Current;
        var current = _current;
        if (current is not null && current.Generation == documents.Generation)
        {
            return current;
        }

        GeneratedSchema built;
        try
        {
            var schema = GraphQLSchemaGenerator.Generate(documents.V1.Body, documents.Generation, (method, path) => _invoker.Find(method, path) is not null, out var operations);
            built = new GeneratedSchema(schema, documents.Generation, operations);
        }
        catch (Exception e) when (current is not null)
        {
            Log.GenerationFailed(_logger, documents.Generation, e);
            return current;
        }

        TaskCompletionSource<GeneratedSchema> completed;
        lock (_gate)
        {
            if (_current is { } raced && raced.Generation >= built.Generation)
            {
                return raced;
            }

            _current = built;
            completed = _next;
            _next = new TaskCompletionSource<GeneratedSchema>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        completed.TrySetResult(built);
        Log.Generated(_logger, built.Generation, built.Operations);
        return built;
    }

    private static partial class Log
    {
        [LoggerMessage(9501, LogLevel.Information, "GraphQL schema generated from API document build {Generation}: {Operations} operations")]
        public static partial void Generated(ILogger logger, long generation, int operations);

        [LoggerMessage(9502, LogLevel.Error, "GraphQL schema: generation from API document build {Generation} failed; the previous schema keeps serving")]
        public static partial void GenerationFailed(ILogger logger, long generation, Exception exception);
    }
}

/// <summary>A generated schema and the document build it comes from.</summary>
internal sealed record GeneratedSchema(ISchema Schema, long Generation, int Operations);
