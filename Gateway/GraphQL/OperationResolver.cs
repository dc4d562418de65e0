using System.Buffers;
using System.Collections;
using System.Text;
using System.Text.Json;
using global::GraphQL;
using global::GraphQL.Resolvers;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// Resolves a root field: its arguments become the operation's path, query and body, the request goes through the
/// route that takes it (<see cref="RouteInvoker"/>), and the service's JSON answer is the field's value. An answer
/// other than 2xx is a field error (the rest of the document resolves on), with the status and the request id.
/// </summary>
internal sealed class OperationResolver : IFieldResolver
{
    private readonly GraphQLOperation _operation;

    public OperationResolver(GraphQLOperation operation) => _operation = operation;

    public async ValueTask<object?> ResolveAsync(IResolveFieldContext context)
    {
        var request = (GraphQLRequestContext)context.UserContext;
        var operation = _operation;
        var path = Path(context);
        var query = Query(context);
        ReadOnlyMemory<byte>? body = null;
        if (operation.HasBody)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                JsonValueWriter.Write(writer, context.GetArgument<object?>(GraphQLOperation.InputArgument) ?? new Dictionary<string, object?>());
            }

            body = buffer.WrittenMemory;
        }

        var result = await request.SendAsync(operation.Method, path, query, body);
        if (!result.Succeeded)
        {
            throw Failure(result);
        }

        if (operation.NoContent)
        {
            return true;
        }

        return result.Json.ValueKind == JsonValueKind.Undefined ? null : JsonFieldResolver.Convert(result.Json, operation.ReturnType);
    }

    private string Path(IResolveFieldContext context)
    {
        var path = _operation.PathTemplate;
        foreach (var (argument, parameter) in _operation.PathParameters)
        {
            var value = context.GetArgument<object?>(argument);
            path = path.Replace("{" + parameter + "}", Uri.EscapeDataString(value is null ? "" : JsonValueWriter.ToText(value)), StringComparison.Ordinal);
        }

        return path;
    }

    private string Query(IResolveFieldContext context)
    {
        if (_operation.QueryParameters.Length == 0)
        {
            return "";
        }

        var query = new StringBuilder();
        foreach (var (argument, parameter) in _operation.QueryParameters)
        {
            var value = context.GetArgument<object?>(argument);
            if (value is null)
            {
                continue;
            }

            if (value is IEnumerable list and not string)
            {
                foreach (var item in list)
                {
                    if (item is not null)
                    {
                        Append(query, parameter, item);
                    }
                }
            }
            else
            {
                Append(query, parameter, value);
            }
        }

        return query.ToString();
    }

    private static void Append(StringBuilder query, string name, object value) =>
        query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(JsonValueWriter.ToText(value)));

    private static ExecutionError Failure(UpstreamResult result)
    {
        var (code, message) = result switch
        {
            { NoRoute: true } => ("NO_ROUTE", result.Detail ?? "No route takes this operation."),
            { TooLarge: true } => ("UPSTREAM_RESPONSE_TOO_LARGE", "The service's answer is larger than the gateway reads for a field."),
            { Status: 401 } => ("UNAUTHENTICATED", result.Detail ?? "The credentials were refused."),
            { Status: 403 } => ("FORBIDDEN", result.Detail ?? "The client lacks a scope this operation requires."),
            { Status: 429 } => ("RATE_LIMITED", result.Detail ?? "Rate limit exceeded."),
            { Status: 502 } => ("UPSTREAM_UNAVAILABLE", result.Detail ?? "The service could not be reached."),
            { Status: 503 } => ("UPSTREAM_UNAVAILABLE", result.Detail ?? "The service is unavailable."),
            { Status: 504 } => ("UPSTREAM_TIMEOUT", result.Detail ?? "The service did not answer in time."),
            { Status: >= 500 } => ("UPSTREAM_ERROR", result.Detail ?? $"The service answered {result.Status}."),
            _ => ("UPSTREAM_STATUS", result.Detail ?? $"The service answered {result.Status}."),
        };
        var error = new ExecutionError(message) { Code = code };
        error.Data["status"] = result.Status;
        return error;
    }
}
