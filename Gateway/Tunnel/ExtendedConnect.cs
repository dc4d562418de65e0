using Microsoft.AspNetCore.Http.Features;

namespace PyAirtable.Gateway.Tunnel;

/// <summary>RFC 8441: a WebSocket over HTTP/2 arrives as an extended CONNECT, the HTTP/2 form of the GET handshake.</summary>
internal static class ExtendedConnect
{
    /// <summary>
    /// The method the route's per-method policies (scopes, rate limits) apply to: GET for an extended CONNECT, so a
    /// WebSocket over HTTP/2 is held to exactly what holds its HTTP/1.1 GET handshake; otherwise the request's own.
    /// </summary>
    public static string PolicyMethod(HttpContext context)
    {
        var method = context.Request.Method;
        return HttpMethods.IsConnect(method) && context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true }
            ? HttpMethods.Get
            : method;
    }
}
