using Microsoft.AspNetCore.Cors.Infrastructure;

namespace PyAirtable.Gateway.Cors;

/// <summary>
/// The framework's CORS middleware with the gateway's policy provider bound once. <c>UseCors()</c> would resolve the
/// provider from <see cref="HttpContext.RequestServices"/> on every request, with or without an <c>Origin</c> header,
/// and that creates a dependency-injection scope per request that nothing else in the gateway needs.
/// </summary>
internal sealed class GatewayCorsMiddleware
{
    private readonly CorsMiddleware _cors;
    private readonly ICorsPolicyProvider _policies;

    public GatewayCorsMiddleware(RequestDelegate next, ICorsService cors, ICorsPolicyProvider policies, ILoggerFactory loggers)
    {
        _cors = new CorsMiddleware(next, cors, loggers);
        _policies = policies;
    }

    /// <summary>Requests without an <c>Origin</c> header go straight on (the framework checks it first).</summary>
    public Task InvokeAsync(HttpContext context) => _cors.Invoke(context, _policies);
}
