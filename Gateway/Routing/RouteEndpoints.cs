using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Routing;

internal static class RouteEndpoints
{
    /// <summary>The proxied routes, one explicit handler each, all through the one <see cref="HttpForwarder"/>.</summary>
    public static IEndpointRouteBuilder MapGatewayRoutes(this IEndpointRouteBuilder app)
    {
        var forwarder = app.ServiceProvider.GetRequiredService<HttpForwarder>();

        Proxy(app, GatewayRoutes.Chat, context => forwarder.ForwardAsync(context, GatewayRoutes.Chat));
        Proxy(app, GatewayRoutes.Tools, context => forwarder.ForwardAsync(context, GatewayRoutes.Tools));
        Proxy(app, GatewayRoutes.ExecuteTool, context => forwarder.ForwardAsync(context, GatewayRoutes.ExecuteTool));
        Proxy(app, GatewayRoutes.SessionHistory, context => forwarder.ForwardAsync(context, GatewayRoutes.SessionHistory));
        Proxy(app, GatewayRoutes.DeleteSession, context => forwarder.ForwardAsync(context, GatewayRoutes.DeleteSession));
        Proxy(app, GatewayRoutes.Airtable, context => forwarder.ForwardAsync(context, GatewayRoutes.Airtable));
        return app;
    }

    /// <summary>
    /// Labels the gateway's own endpoints for metrics, answers every other method on their paths with 405 and
    /// <c>Allow</c>, and every unknown path with a 404 that lists the endpoints.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayFallbacks(this IEndpointRouteBuilder app)
    {
        foreach (var (template, allowed) in new[]
        {
            ("/api/chat", GatewayRoutes.Chat.Methods),
            ("/api/tools", GatewayRoutes.Tools.Methods),
            ("/api/execute-tool", GatewayRoutes.ExecuteTool.Methods),
            ("/api/sessions/{id}/history", GatewayRoutes.SessionHistory.Methods),
            ("/api/sessions/{id}", GatewayRoutes.DeleteSession.Methods),
            ("/api/airtable/{**path}", GatewayRoutes.Airtable.Methods),
            ("/api/health", GatewayMethods.Get),
            ("/", GatewayMethods.Get),
            ("/livez", GatewayMethods.Get),
            ("/readyz", GatewayMethods.Get),
            ("/metrics", GatewayMethods.Get),
        })
        {
            var allow = string.Join(", ", allowed);
            app.Map(template, context =>
                {
                    context.Response.Headers[HeaderNames.Allow] = allow;
                    return ProblemResponse.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                        $"{context.Request.Method} is not allowed here; allowed: {allow}.");
                })
                .WithMetadata(new MetricsLabel(template))
                .Add(static builder => ((RouteEndpointBuilder)builder).Order = 1);
        }

        app.Map("/{**path}", static context => UpstreamPath.HasDotSegmentInTarget(context)
                ? ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request target",
                    "The request target must be an absolute path without '.' or '..' segments (plain or percent-encoded).")
                : ProblemResponse.WriteAsync(context, StatusCodes.Status404NotFound, "Not found",
                    $"No endpoint at {context.Request.Path.Value}.", ProblemResponse.WriteEndpoints))
            .Add(static builder => ((RouteEndpointBuilder)builder).Order = 2);
        return app;
    }

    private static void Proxy(IEndpointRouteBuilder app, GatewayRoute route, RequestDelegate handler) =>
        app.MapMethods(route.Template, route.Methods, handler)
            .WithMetadata(route, new MetricsLabel(route.Template));
}
