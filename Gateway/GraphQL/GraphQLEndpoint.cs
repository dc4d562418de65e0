using System.Buffers;
using System.Text;
using System.Text.Json;
using global::GraphQL;
using global::GraphQL.Execution;
using global::GraphQL.Transport;
using global::GraphQL.Validation;
using global::GraphQL.Validation.Complexity;
using global::GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// <c>POST /graphql</c> (<c>application/json</c> body) and <c>GET /graphql?query=</c> (queries only), GraphQL over HTTP.
/// Authentication happens before (the endpoint requires a client, like <c>/api/*</c>). Then, in order: the request is
/// read (413 past <c>MaxRequestBytes</c>, 415 for another content type, 400 for bad JSON), the document size checked
/// (413), the document parsed and its aliases counted, a mutation over GET refused (405), and the document validated
/// (depth, complexity, introspection when switched off) and executed on the schema in force. The answer is
/// <c>application/graphql-response+json</c> when the client accepts it (status 400 when nothing could be executed),
/// else <c>application/json</c> (status 200).
/// </summary>
internal sealed partial class GraphQLEndpoint
{
    private readonly GraphQLSchemaProvider _schemas;
    private readonly RouteInvoker _invoker;
    private readonly GraphQLOptions _options;
    private readonly ILogger<GraphQLEndpoint> _logger;
    private readonly DocumentExecuter _executer = new();
    private readonly IValidationRule[] _rules;

    public GraphQLEndpoint(GraphQLSchemaProvider schemas, RouteInvoker invoker, IOptions<GraphQLOptions> options, ILogger<GraphQLEndpoint> logger)
    {
        _schemas = schemas;
        _invoker = invoker;
        _options = options.Value;
        _logger = logger;
        var rules = new List<IValidationRule>(DocumentValidator.CoreRules)
        {
            new ComplexityValidationRule(new ComplexityOptions
            {
                MaxDepth = _options.MaxDepth,
                MaxComplexity = _options.MaxComplexity,
                DefaultListImpactMultiplier = _options.ListMultiplier,
            }),
        };
        if (!_options.Introspection)
        {
            rules.Add(NoIntrospectionValidationRule.Instance);
        }

        _rules = [.. rules];
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var mediaType = Negotiate(request.Headers.Accept);
        if (mediaType is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status406NotAcceptable, "Not acceptable",
                $"GraphQL answers are {GraphQLResponseWriter.GraphQLResponseJson} or {GraphQLResponseWriter.Json}; the Accept header allows neither.");
            return;
        }

        GraphQLRequest? graphQLRequest;
        var isGet = HttpMethods.IsGet(method: request.Method) || HttpMethods.IsHead(request.Method);
        if (isGet)
        {
            graphQLRequest = await ReadQueryStringAsync(context, mediaType);
        }
        else if (HttpMethods.IsPost(request.Method))
        {
            graphQLRequest = await ReadBodyAsync(context, mediaType);
        }
        else
        {
            context.Response.Headers.Allow = "GET, POST";
            await ProblemResponse.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                $"{request.Method} is not allowed here; allowed: GET, POST.");
            return;
        }

        if (graphQLRequest is null)
        {
            return; // answered
        }

        if (string.IsNullOrWhiteSpace(graphQLRequest.Query))
        {
            await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, "BAD_REQUEST", "The request has no 'query'.");
            return;
        }

        if (Encoding.UTF8.GetByteCount(graphQLRequest.Query) > _options.MaxDocumentBytes)
        {
            await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, mediaType, "DOCUMENT_TOO_LARGE",
                $"The document is larger than {_options.MaxDocumentBytes} bytes.");
            return;
        }

        GraphQLDocument? document = null;
        try
        {
            document = GraphQLParser.Parser.Parse(graphQLRequest.Query, new GraphQLParser.ParserOptions { Ignore = GraphQLParser.IgnoreOptions.All, MaxDepth = 128 });
        }
        catch (GraphQLParser.Exceptions.GraphQLParserException)
        {
            // execution parses again and reports the syntax error in GraphQL form
        }

        if (document is not null)
        {
            var aliases = DocumentLimits.CountAliases(document);
            if (aliases > _options.MaxAliases)
            {
                await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, "TOO_MANY_ALIASES",
                    $"The document uses {aliases} aliases; at most {_options.MaxAliases} are allowed.");
                return;
            }

            if (isGet && DocumentLimits.Operation(document, graphQLRequest.OperationName) is { Operation: OperationType.Mutation or OperationType.Subscription })
            {
                context.Response.Headers.Allow = "POST";
                await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, mediaType, "METHOD_NOT_ALLOWED",
                    "Mutations are sent with POST; GET runs queries only.");
                return;
            }
        }

        var schema = _schemas.Current;
        var user = new GraphQLRequestContext(context, _invoker);
        var result = await _executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = schema.Schema,
            Query = graphQLRequest.Query,
            Document = document,
            OperationName = graphQLRequest.OperationName,
            Variables = graphQLRequest.Variables,
            Extensions = graphQLRequest.Extensions,
            UserContext = user,
            RequestServices = context.RequestServices,
            User = context.User,
            CancellationToken = context.RequestAborted,
            ValidationRules = _rules,
            ThrowOnUnhandledException = false,
            UnhandledExceptionDelegate = exception =>
            {
                if (exception.Exception is not OperationCanceledException)
                {
                    Log.ResolverFailed(_logger, exception.FieldContext?.FieldDefinition.Name ?? "-", context.TraceIdentifier, exception.Exception);
                }

                return Task.CompletedTask;
            },
        });

        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var status = mediaType == GraphQLResponseWriter.GraphQLResponseJson && !result.Executed ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        Log.Executed(_logger, schema.Generation, user.Calls, result.Errors?.Count ?? 0, context.TraceIdentifier);
        await GraphQLResponseWriter.WriteAsync(context, status, mediaType, result);
    }

    /// <summary>The response media type the client accepts, or null: <c>application/graphql-response+json</c> when it lists it, else <c>application/json</c>.</summary>
    internal static string? Negotiate(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (accept.Count == 0)
        {
            return GraphQLResponseWriter.Json;
        }

        if (!MediaTypeHeaderValue.TryParseList(accept, out var types) || types.Count == 0)
        {
            return GraphQLResponseWriter.Json;
        }

        string? chosen = null;
        var best = 0.0;
        foreach (var type in types)
        {
            var quality = type.Quality ?? 1.0;
            if (quality <= 0)
            {
                continue;
            }

            var candidate = type.MediaType.Equals(GraphQLResponseWriter.GraphQLResponseJson, StringComparison.OrdinalIgnoreCase) ? GraphQLResponseWriter.GraphQLResponseJson
                : type.MediaType.Equals(GraphQLResponseWriter.Json, StringComparison.OrdinalIgnoreCase)
                  || type.MediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase)
                  || type.MediaType.Equals("*/*", StringComparison.OrdinalIgnoreCase) ? GraphQLResponseWriter.Json
                : null;
            if (candidate is not null && (quality > best || (quality == best && candidate == GraphQLResponseWriter.GraphQLResponseJson)))
            {
                chosen = candidate;
                best = quality;
            }
        }

        return chosen;
    }

    private static async Task<GraphQLRequest?> ReadQueryStringAsync(HttpContext context, string mediaType)
    {
        var query = context.Request.Query;
        var request = new GraphQLRequest
        {
            Query = query["query"].ToString(),
            OperationName = query["operationName"].Count > 0 ? query["operationName"].ToString() : null,
        };
        if (query["variables"] is { Count: > 0 } variables && !string.IsNullOrEmpty(variables[0]))
        {
            try
            {
                request.Variables = JsonSerializer.Deserialize(variables[0]!, GraphQLJson.Inputs);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotImplementedException)
            {
                await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, "BAD_REQUEST", "'variables' must be a JSON object.");
                return null;
            }
        }

        return request;
    }

    private async Task<GraphQLRequest?> ReadBodyAsync(HttpContext context, string mediaType)
    {
        var request = context.Request;
        if (!JsonObjectBody.IsJsonContentType(request.ContentType))
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the GraphQL request as application/json.");
            return null;
        }

        if (request.ContentLength > _options.MaxRequestBytes)
        {
            await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, mediaType, "REQUEST_TOO_LARGE",
                $"The request body is larger than {_options.MaxRequestBytes} bytes.");
            return null;
        }

        ReadOnlySequence<byte> body;
        try
        {
            body = await JsonObjectBody.ReadWholeAsync(request.BodyReader, _options.MaxRequestBytes, context.RequestAborted);
        }
        catch (RequestBodyTooLargeException)
        {
            await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, mediaType, "REQUEST_TOO_LARGE",
                $"The request body is larger than {_options.MaxRequestBytes} bytes.");
            return null;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            Log.ClientAborted(_logger, context.TraceIdentifier);
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            return JsonSerializer.Deserialize(ref reader, GraphQLJson.Request) ?? throw new JsonException();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotImplementedException)
        {
            await GraphQLResponseWriter.WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, "BAD_REQUEST",
                "The body must be a JSON object with 'query' and optionally 'operationName', 'variables' (an object) and 'extensions'.");
            return null;
        }
        finally
        {
            request.BodyReader.AdvanceTo(body.End);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9504, LogLevel.Debug, "GraphQL request on schema {Generation}: {Calls} upstream calls, {Errors} errors (request {RequestId})")]
        public static partial void Executed(ILogger logger, long generation, int calls, int errors, string requestId);

        [LoggerMessage(9505, LogLevel.Error, "GraphQL field {Field} failed (request {RequestId})")]
        public static partial void ResolverFailed(ILogger logger, string field, string requestId, Exception exception);

        [LoggerMessage(9506, LogLevel.Debug, "Client went away while sending its GraphQL request (request {RequestId})")]
        public static partial void ClientAborted(ILogger logger, string requestId);
    }
}
