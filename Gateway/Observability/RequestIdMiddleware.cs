using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// Keeps a valid client <c>X-Request-ID</c> or makes one, returns it on every response and makes it the
/// request's <see cref="HttpContext.TraceIdentifier"/>, so the hosting log scope carries it on every log line.
/// </summary>
internal sealed class RequestIdMiddleware
{
    private readonly RequestDelegate _next;

    public RequestIdMiddleware(RequestDelegate next) => _next = next;

    public Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[GatewayHeaders.RequestId];
        var id = incoming.Count == 1 && RequestIds.IsValid(incoming[0]) ? incoming[0]! : RequestIds.Create();
        context.TraceIdentifier = id;
        context.Response.Headers[GatewayHeaders.RequestId] = new StringValues(id);
        return _next(context);
    }
}
