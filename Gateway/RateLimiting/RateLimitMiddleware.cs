using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>Charges every authenticated request to a proxied route, whatever its outcome; 429 when a limit is exhausted.</summary>
internal sealed partial class RateLimitMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ClientRateLimiter _limiter;
    private readonly ILogger<RateLimitMiddleware> _logger;

    public RateLimitMiddleware(RequestDelegate next, ClientRateLimiter limiter, ILogger<RateLimitMiddleware> logger)
    {
        _next = next;
        _limiter = limiter;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<GatewayRoute>();
        if (route is null || _limiter.TryAcquire(context, route, out var rejection))
        {
            return _next(context);
        }

        Log.Limited(_logger, route.Template, rejection.Limit, context.TraceIdentifier);
        return ClientRateLimiter.WriteRejectionAsync(context, rejection);
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Debug, "Rate limit of {Limit}/min exceeded on {Route} (request {RequestId})")]
        public static partial void Limited(ILogger logger, string route, string limit, string requestId);
    }
}
