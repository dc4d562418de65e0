using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Authenticates requests to proxied routes and to the gateway's own protected endpoints, then checks scopes.
/// <list type="number">
/// <item>Only endpoints carrying <see cref="GatewayRoute"/>, <see cref="RequiresScopeAttribute"/> or living under
/// <c>/_gateway/</c> are examined; everything else passes straight through. A route with <c>Auth: none</c> gets the
/// two checks below and no more.</item>
/// <item>Ambiguous body framing (see <see cref="RequestFraming"/>): 400 and the connection closed.</item>
/// <item>Credentials in the query string: 400, never logged.</item>
/// <item><c>X-API-Key</c> when present decides (constant time, no allocation); otherwise an <c>Authorization: Bearer</c>
/// token goes to the JWT bearer handler (only then is it invoked); otherwise the request has no credentials.</item>
/// <item>No or bad credentials: charged to the client IP under the global rate limit, then 401 with
/// <c>WWW-Authenticate</c>. A missing scope: charged to the client (its route's policies, or the global limit on the
/// gateway's own endpoints) like every authenticated request, then 403. Both problem+json, or 429 once a limit is spent.</item>
/// </list>
/// </summary>
internal sealed partial class GatewayAuthMiddleware
{
    private const string ApiKeyChallenge = "ApiKey realm=\"pyairtable-gateway\", header=\"X-API-Key\"";
    private const string BearerChallenge = "Bearer realm=\"pyairtable-gateway\"";
    private const string BearerInvalidChallenge = "Bearer realm=\"pyairtable-gateway\", error=\"invalid_token\"";

    private readonly RequestDelegate _next;
    private readonly ApiKeyAuthenticator _keys;
    private readonly BearerTokenAuthenticator _bearer;
    private readonly RouteScopes _scopes;
    private readonly ClientRateLimiter _rateLimiter;
    private readonly ILogger<GatewayAuthMiddleware> _logger;

    public GatewayAuthMiddleware(
        RequestDelegate next,
        ApiKeyAuthenticator keys,
        BearerTokenAuthenticator bearer,
        RouteScopes scopes,
        ClientRateLimiter rateLimiter,
        ILogger<GatewayAuthMiddleware> logger)
    {
        _next = next;
        _keys = keys;
        _bearer = bearer;
        _scopes = scopes;
        _rateLimiter = rateLimiter;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return _next(context);
        }

        var route = endpoint.Metadata.GetMetadata<GatewayRoute>();
        var endpointScope = route is null ? RouteScopes.ForEndpoint(endpoint) : null;
        if (route is null && endpointScope is null)
        {
            return _next(context);
        }

        var request = context.Request;
        if (!RequestFraming.IsUnambiguous(request))
        {
            Log.AmbiguousFraming(_logger, request.Path.Value ?? "", context.TraceIdentifier);
            context.Response.Headers.Connection = "close";
            return ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Ambiguous message framing",
                "Send either Content-Length or Transfer-Encoding: chunked, once.");
        }

        if (request.QueryString.HasValue && QueryCredentials.Present(request.QueryString.Value))
        {
            Log.QueryCredentials(_logger, request.Path.Value ?? "", context.TraceIdentifier);
            return ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Credentials in the query string",
                "Credentials must not be sent in the URL; send the key in the X-API-Key header.");
        }

        if (route?.Entry.Auth == RouteAuth.None)
        {
            return _next(context); // an open route: framing and query checked, no credentials asked for
        }

        var presented = request.Headers[GatewayHeaders.ApiKey];
        if (presented.Count > 0)
        {
            var identity = presented.Count == 1 ? _keys.Authenticate(presented[0]!, context) : null;
            return identity is null
                ? RejectAsync(context, Failure.InvalidKey)
                : AuthorizeAsync(context, identity, route, endpointScope);
        }

        if (_bearer.Enabled && BearerTokenAuthenticator.HasBearer(request))
        {
            return AuthenticateBearerAsync(context, route, endpointScope);
        }

        return RejectAsync(context, Failure.Missing);
    }

    private async Task AuthenticateBearerAsync(HttpContext context, GatewayRoute? route, string? endpointScope)
    {
        var identity = await BearerTokenAuthenticator.AuthenticateAsync(context);
        if (identity is null)
        {
            await RejectAsync(context, Failure.InvalidToken);
            return;
        }

        await AuthorizeAsync(context, identity, route, endpointScope);
    }

    private Task AuthorizeAsync(HttpContext context, ClientIdentity identity, GatewayRoute? route, string? endpointScope)
    {
        context.Features.Set(identity);
        if (endpointScope is not null)
        {
            return endpointScope.Length == 0 || identity.HasScope(endpointScope) ? _next(context) : ForbidAsync(context, identity, null, endpointScope);
        }

        foreach (var scope in route!.Entry.Scopes)
        {
            if (!identity.HasScope(scope))
            {
                return ForbidAsync(context, identity, route, scope);
            }
        }

        foreach (var scope in _scopes.ForRoute(route, Tunnel.ExtendedConnect.PolicyMethod(context)))
        {
            if (!identity.HasScope(scope))
            {
                return ForbidAsync(context, identity, route, scope);
            }
        }

        return _next(context);
    }

    private async Task ForbidAsync(HttpContext context, ClientIdentity identity, GatewayRoute? route, string scope)
    {
        Log.Forbidden(_logger, context.Request.Path.Value ?? "", identity.ClientId, scope, context.TraceIdentifier);

        // Limits apply after authentication: a request refused for its scope is charged like any other (a 429 once spent).
        if (!await _rateLimiter.TryAcquireForbiddenAsync(context, route))
        {
            return;
        }

        if (identity.FromBearerToken)
        {
            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"pyairtable-gateway\", error=\"insufficient_scope\", scope=\"{scope}\"";
        }

        await ProblemResponse.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
            $"The client '{identity.ClientId}' lacks the scope '{scope}' that this endpoint requires.");
    }

    private async Task RejectAsync(HttpContext context, Failure failure)
    {
        Log.Rejected(_logger, context.Request.Path.Value ?? "", Describe(failure), context.TraceIdentifier);
        if (!await _rateLimiter.TryAcquireUnauthenticatedAsync(context))
        {
            return;
        }

        context.Response.Headers.WWWAuthenticate = !_bearer.Enabled
            ? ApiKeyChallenge
            : new StringValues([ApiKeyChallenge, failure == Failure.InvalidToken ? BearerInvalidChallenge : BearerChallenge]);
        await ProblemResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", failure switch
        {
            Failure.InvalidKey => "The API key is not valid.",
            Failure.InvalidToken => "The bearer token is not valid (signature, lifetime, issuer, audience or subject).",
            _ => _bearer.Enabled
                ? "Credentials are required: an API key in the X-API-Key header or a bearer token in Authorization."
                : "An API key is required in the X-API-Key header.",
        });
    }

    private static string Describe(Failure failure) => failure switch
    {
        Failure.InvalidKey => "invalid API key",
        Failure.InvalidToken => "invalid bearer token",
        _ => "no credentials",
    };

    private enum Failure
    {
        Missing,
        InvalidKey,
        InvalidToken,
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Debug, "Refused {Path}: {Reason} (request {RequestId})")]
        public static partial void Rejected(ILogger logger, string path, string reason, string requestId);

        [LoggerMessage(2002, LogLevel.Debug, "Refused {Path}: credentials in the query string (request {RequestId})")]
        public static partial void QueryCredentials(ILogger logger, string path, string requestId);

        [LoggerMessage(2004, LogLevel.Debug, "Refused {Path}: ambiguous body framing (request {RequestId})")]
        public static partial void AmbiguousFraming(ILogger logger, string path, string requestId);

        [LoggerMessage(2003, LogLevel.Debug, "Refused {Path}: client {ClientId} lacks scope {Scope} (request {RequestId})")]
        public static partial void Forbidden(ILogger logger, string path, string clientId, string scope, string requestId);
    }
}
