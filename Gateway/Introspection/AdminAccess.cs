using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Introspection;

/// <summary>
/// Guards the operator endpoints (<c>/_gateway/*</c>, the dashboard's feed): a client that authenticates and holds the
/// <c>admin</c> scope passes; no or a wrong key gets 401 with <c>WWW-Authenticate</c> (charged to the client's address
/// under the global rate limit, as on proxied routes), a client without the scope 403.
/// </summary>
internal sealed partial class AdminAccess
{
    public const string Scope = "admin";

    private const string Challenge = "ApiKey realm=\"pyairtable-gateway\", header=\"X-API-Key\"";

    private readonly ApiKeyAuthenticator _authenticator;
    private readonly ClientRateLimiter _rateLimiter;
    private readonly ILogger<AdminAccess> _logger;

    public AdminAccess(ApiKeyAuthenticator authenticator, ClientRateLimiter rateLimiter, ILogger<AdminAccess> logger)
    {
        _authenticator = authenticator;
        _rateLimiter = rateLimiter;
        _logger = logger;
    }

    /// <summary>Runs <paramref name="handler"/> only for an authenticated client with the <c>admin</c> scope.</summary>
    public RequestDelegate Require(RequestDelegate handler) => context =>
    {
        var identity = context.Features.Get<ClientIdentity>();
        if (identity is null)
        {
            var presented = context.Request.Headers[GatewayHeaders.ApiKey];
            identity = presented.Count == 1 ? _authenticator.Authenticate(presented[0]) : null;
            if (identity is null)
            {
                return RejectAsync(context, presented.Count == 0);
            }

            context.Features.Set(identity);
        }

        if (!identity.HasScope(Scope))
        {
            Log.Forbidden(_logger, context.Request.Path.Value ?? "", identity.ClientId, context.TraceIdentifier);
            return ProblemResponse.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
                $"This endpoint requires the '{Scope}' scope.");
        }

        return handler(context);
    };

    private async Task RejectAsync(HttpContext context, bool missing)
    {
        Log.Unauthorized(_logger, context.Request.Path.Value ?? "", missing ? "missing" : "invalid", context.TraceIdentifier);
        if (!await _rateLimiter.TryAcquireUnauthenticatedAsync(context))
        {
            return;
        }

        context.Response.Headers.WWWAuthenticate = Challenge;
        await ProblemResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized",
            missing ? "An API key with the admin scope is required in the X-API-Key header." : "The API key is not valid.");
    }

    private static partial class Log
    {
        [LoggerMessage(5101, LogLevel.Debug, "Refused {Path}: {Reason} API key (request {RequestId})")]
        public static partial void Unauthorized(ILogger logger, string path, string reason, string requestId);

        [LoggerMessage(5102, LogLevel.Debug, "Refused {Path} to client {ClientId}: no admin scope (request {RequestId})")]
        public static partial void Forbidden(ILogger logger, string path, string clientId, string requestId);
    }
}
