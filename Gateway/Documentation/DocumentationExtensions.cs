using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Documentation;

internal static class DocumentationExtensions
{
    /// <summary>The merged API documentation: its options, the built-in route table as its input, the refresher.</summary>
    public static IServiceCollection AddGatewayDocumentation(this IServiceCollection services)
    {
        services.AddOptions<DocumentationOptions>().BindConfiguration(DocumentationOptions.Section).ValidateWith<DocumentationOptions, DocumentationOptionsValidator>();
        services.AddSingleton<IDocumentedRoutes, RouteTableDocumentedRoutes>();
        services.AddSingleton<ApiDocumentation>();
        services.AddHostedService<DocumentationRefresher>();
        return services;
    }
}
