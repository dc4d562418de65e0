using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.GraphQL;

internal static class GraphQLExtensions
{
    public const string Path = "/graphql";

    /// <summary>The GraphQL endpoint's options, the schema generated from the API document, and what calls the routes for its fields.</summary>
    public static IServiceCollection AddGatewayGraphQL(this IServiceCollection services)
    {
        services.AddOptions<GraphQLOptions>().BindConfiguration(GraphQLOptions.Section).ValidateWith<GraphQLOptions, GraphQLOptionsValidator>();
        services.AddSingleton<RouteInvoker>();
        services.AddSingleton<GraphQLSchemaProvider>();
        services.AddSingleton<GraphQLEndpoint>();
        services.AddHostedService<GraphQLSchemaRefresher>();
        return services;
    }

    /// <summary><c>/graphql</c>, for authenticated clients (401 problem+json before anything runs otherwise).</summary>
    public static IEndpointRouteBuilder MapGatewayGraphQL(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<GraphQLOptions>>().Value.Enabled)
        {
            return app;
        }

        app.ServiceProvider.GetRequiredService<RouteInvoker>().Compose(app);
        var endpoint = app.ServiceProvider.GetRequiredService<GraphQLEndpoint>();
        app.Map(Path, endpoint.HandleAsync)
            .RequireGatewayClient()
            .WithMetadata(new MetricsLabel(Path));
        return app;
    }
}
