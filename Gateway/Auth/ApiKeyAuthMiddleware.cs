using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Authenticates requests to proxied routes by <c>X-API-Key</c> and refuses credentials in the query string.
/// A request that fails is charged to its client IP under the global rate limit (so guessing keys is throttled)
/// and answered 401 with <c>WWW-Authenticate</c>.
/// </summary>
internal sealed partial class ApiKeyAuthMiddleware
{
    private const string Challenge = "ApiKey realm=\"pyairtable-gateway\", header=\"X-API-Key\"";

    private readonly RequestDelegate _next;
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly ClientRateLimiter _rateLimiter;
    private readonly ILogger<ApiKeyAuthMiddleware> _logger;

    public ApiKeyAuthMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator, ClientRateLimiter rateLimiter, ILogger<ApiKeyAuthMiddleware> logger)
    {
        _next = next;
        _authenticator = authenticator;
        _rateLimiter = rateLimiter;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<GatewayRoute>();
        if (route is null)
        {
            return _next(context);
        }

        if (context.Request.QueryString.HasValue && QueryCredentials.Present(context.Request.QueryString.Value))
        {
            Log.QueryCredentials(_logger, route.Template, context.TraceIdentifier);
            return ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Credentials in the query string",
                "Credentials must not be sent in the URL; send the key in the X-API-Key header.");
        }

        var presented = context.Request.Headers[GatewayHeaders.ApiKey];
        var identity = presented.Count == 1 ? _authenticator.Authenticate(presented[0]) : null;
        if (identity is not null)
        {
            context.Features.Set(identity);
            return _next(context);
        }

        return RejectAsync(context, route, presented.Count == 0);
    }

    private async Task RejectAsync(HttpContext context, GatewayRoute route, bool missing)
    {
        Log.Rejected(_logger, route.Template, missing ? "missing" : "invalid", context.TraceIdentifier);
        if (!await _rateLimiter.TryAcquireUnauthenticatedAsync(context))
        {
            return;
        }

        context.Response.Headers.WWWAuthenticate = Challenge;
        await ProblemResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized",
            missing ? "An API key is required in the X-API-Key header." : "The API key is not valid.");
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Debug, "Refused {Route}: {Reason} API key (request {RequestId})")]
        public static partial void Rejected(ILogger logger, string route, string reason, string requestId);

        [LoggerMessage(2002, LogLevel.Debug, "Refused {Route}: credentials in the query string (request {RequestId})")]
        public static partial void QueryCredentials(ILogger logger, string route, string requestId);
    }
}
