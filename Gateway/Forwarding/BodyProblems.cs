using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>The answers to a request body the gateway refuses: 413 over the limit, 400 unreadable, 415 not JSON.</summary>
internal static partial class BodyProblems
{
    public static Task WriteTooLargeAsync(HttpContext context, long maxBodyBytes) =>
        ProblemResponse.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"The request body is larger than the gateway's limit of {maxBodyBytes} bytes.");

    /// <summary>A body that could not be read: too large (413, also when Kestrel's own limit said so) or broken framing (400).</summary>
    public static Task WriteClientFailureAsync(HttpContext context, Exception ex, long maxBodyBytes, ILogger logger)
    {
        Log.ClientBodyRejected(logger, context.TraceIdentifier, ex.Message);
        return ex is RequestBodyTooLargeException or Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
            ? WriteTooLargeAsync(context, maxBodyBytes)
            : ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request body", "The request body could not be read.");
    }

    public static Task WriteNotJsonAsync(HttpContext context) =>
        ProblemResponse.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            "The request body must be sent as application/json.");

    public static Task WriteInvalidAsync(HttpContext context, string detail) =>
        ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid request body", detail);

    private static partial class Log
    {
        [LoggerMessage(1005, LogLevel.Debug, "Client request body rejected (request {RequestId}): {Reason}")]
        public static partial void ClientBodyRejected(ILogger logger, string requestId, string reason);
    }
}
