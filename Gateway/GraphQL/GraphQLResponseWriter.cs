using System.Collections;
using System.Text.Json;
using global::GraphQL;
using global::GraphQL.Execution;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// Writes a GraphQL response (<c>errors</c>, <c>data</c>, <c>extensions</c>) straight from the execution tree with a
/// <see cref="Utf8JsonWriter"/>, no reflection. Every error carries <c>extensions.code</c> and
/// <c>extensions.requestId</c> (the request's <c>X-Request-ID</c>); an upstream failure also its <c>status</c>.
/// </summary>
internal static class GraphQLResponseWriter
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    public static Task WriteAsync(HttpContext context, int status, string mediaType, ExecutionResult result)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = mediaType + "; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        GatewayResponseHeaders.Apply(response);
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            if (result.Errors is { Count: > 0 } errors)
            {
                writer.WriteStartArray("errors");
                foreach (var error in errors)
                {
                    WriteError(writer, error, context.TraceIdentifier);
                }

                writer.WriteEndArray();
            }

            if (result.Executed)
            {
                writer.WritePropertyName("data");
                WriteNode(writer, result.Data as ExecutionNode);
            }

            if (result.Extensions is { Count: > 0 } extensions)
            {
                writer.WritePropertyName("extensions");
                JsonValueWriter.Write(writer, extensions);
            }

            writer.WriteEndObject();
        }

        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    /// <summary>A response of one error and no data (a request refused before execution).</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string mediaType, string code, string message) =>
        WriteAsync(context, status, mediaType, new ExecutionResult { Errors = [new ExecutionError(message) { Code = code }] });

    private static void WriteError(Utf8JsonWriter writer, ExecutionError error, string requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("message", error.Message);
        if (error.Locations is { Count: > 0 } locations)
        {
            writer.WriteStartArray("locations");
            foreach (var location in locations)
            {
                writer.WriteStartObject();
                writer.WriteNumber("line", location.Line);
                writer.WriteNumber("column", location.Column);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (error.Path is { } path)
        {
            writer.WriteStartArray("path");
            foreach (var segment in path)
            {
                JsonValueWriter.Write(writer, segment);
            }

            writer.WriteEndArray();
        }

        writer.WriteStartObject("extensions");
        writer.WriteString("code", error.Code ?? "INTERNAL_ERROR");
        writer.WriteString("requestId", requestId);
        foreach (DictionaryEntry entry in error.Data)
        {
            if (entry.Key is string key && key is not ("code" or "requestId"))
            {
                writer.WritePropertyName(key);
                JsonValueWriter.Write(writer, entry.Value);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter writer, ExecutionNode? node)
    {
        switch (node)
        {
            case null or NullExecutionNode:
                writer.WriteNullValue();
                break;
            case ValueExecutionNode value:
                JsonValueWriter.Write(writer, value.ToValue());
                break;
            case ObjectExecutionNode obj:
                if (obj.SubFields is not { } fields)
                {
                    writer.WriteNullValue();
                    break;
                }

                writer.WriteStartObject();
                foreach (var field in fields)
                {
                    writer.WritePropertyName(field.Name!);
                    WriteNode(writer, field);
                }

                writer.WriteEndObject();
                break;
            case ArrayExecutionNode array:
                if (array.Items is { } items)
                {
                    writer.WriteStartArray();
                    foreach (var item in items)
                    {
                        WriteNode(writer, item);
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    JsonValueWriter.Write(writer, array.SerializedResult);
                }

                break;
            default:
                JsonValueWriter.Write(writer, node.ToValue());
                break;
        }
    }
}
