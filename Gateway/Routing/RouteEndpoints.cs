using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Routing;

internal static class RouteEndpoints
{
    /// <summary>The route table, its pipeline steps and its endpoints (the table is built, and validated, when resolved).</summary>
    public static IServiceCollection AddGatewayRouting(this IServiceCollection services)
    {
        services.AddSingleton<IRouteStepFactory, VersionHeadersStep.Factory>();
        services.AddSingleton<IRouteStepFactory, BodyStepFactory>();
        services.AddSingleton<RoutePipeline>();
        services.AddSingleton<RouteTableBuilder>();
        services.AddSingleton<RouteTableProvider>();
        services.AddSingleton<RouteEndpointSource>();
        return services;
    }

    /// <summary>The proxied routes: the route table's endpoints, which follow the table when it reloads.</summary>
    public static IEndpointRouteBuilder MapGatewayRoutes(this IEndpointRouteBuilder app)
    {
        app.DataSources.Add(app.ServiceProvider.GetRequiredService<RouteEndpointSource>());
        return app;
    }

    /// <summary>
    /// Labels the gateway's own endpoints for metrics, answers every other method on their paths with 405 and
    /// <c>Allow</c>, and every unknown path with a 404 that lists the endpoints of the table in force (naming the
    /// versions when the path asks for one that does not exist).
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayFallbacks(this IEndpointRouteBuilder app)
    {
        foreach (var template in (string[])["/api/health", "/", "/livez", "/readyz", "/metrics"])
        {
            var allow = string.Join(", ", GatewayMethods.Get);
            app.Map(template, context => RouteEndpointSource.MethodNotAllowedAsync(context, allow))
                .WithMetadata(new MetricsLabel(template))
                .Add(static builder => ((RouteEndpointBuilder)builder).Order = 1);
        }

        var routes = app.ServiceProvider.GetRequiredService<RouteTableProvider>();
        app.Map("/{**path}", context => NotFoundAsync(context, routes.Current))
            .Add(static builder => ((RouteEndpointBuilder)builder).Order = 2);
        return app;
    }

    private static Task NotFoundAsync(HttpContext context, RouteTable table)
    {
        if (UpstreamPath.HasDotSegmentInTarget(context))
        {
            return ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request target",
                "The request target must be an absolute path without '.' or '..' segments (plain or percent-encoded).");
        }

        var path = context.Request.Path.Value ?? "";
        if (ApiVersions.LooksLikeVersion(path, out var segment) && ApiVersions.Find(segment.ToString()) is null)
        {
            return ProblemResponse.WriteAsync(context, StatusCodes.Status404NotFound, "Unknown API version",
                $"There is no API version '{segment}'; the versions are {ApiVersions.Listed} (/api/... is v1).", table.WriteEndpoints);
        }

        return ProblemResponse.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", $"No endpoint at {path}.", table.WriteEndpoints);
    }
}
