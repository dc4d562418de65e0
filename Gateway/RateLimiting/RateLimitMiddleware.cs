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
        if (route is null)
        {
            return _next(context);
        }

        var pending = _limiter.AcquireAsync(context, route);
        return pending.IsCompletedSuccessfully ? Continue(context, route, pending.GetAwaiter().GetResult()) : AwaitAsync(context, route, pending);
    }

    private async Task AwaitAsync(HttpContext context, GatewayRoute route, ValueTask<RateDecision> pending) =>
        await Continue(context, route, await pending);

    private Task Continue(HttpContext context, GatewayRoute route, RateDecision decision)
    {
        if (decision.Allowed)
        {
            decision.WriteHeaders(context.Response);
            return _next(context);
        }

        Log.Limited(_logger, route.Template, decision.Policy!.Name, context.TraceIdentifier);
        return ClientRateLimiter.WriteRejectionAsync(context, decision);
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Debug, "Rate limit {Policy} exceeded on {Route} (request {RequestId})")]
        public static partial void Limited(ILogger logger, string route, string policy, string requestId);
    }
}
