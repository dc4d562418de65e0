namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>
/// Echoes the <c>X-Request-ID</c> and <c>X-Client-Id</c> a service received back on its response,
/// the way the Python services do, so a curl user sees what the gateway sent.
/// </summary>
internal sealed class ReceivedHeadersEcho(RequestDelegate next)
{
    public const string RequestIdHeader = "X-Request-ID";
    public const string ClientIdHeader = "X-Client-Id";

    public Task InvokeAsync(HttpContext context)
    {
        var requestHeaders = context.Request.Headers;
        var responseHeaders = context.Response.Headers;
        if (requestHeaders.TryGetValue(RequestIdHeader, out var requestId))
        {
            responseHeaders[RequestIdHeader] = requestId;
        }

        if (requestHeaders.TryGetValue(ClientIdHeader, out var clientId))
        {
            responseHeaders[ClientIdHeader] = clientId;
        }

        return next(context);
    }
}
