using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing;
using Scalar.AspNetCore;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// <c>GET /openapi.json</c> (= <c>/openapi/v1.json</c>), <c>/openapi/v2.json</c> and the <c>/docs</c> page (Scalar, its
/// assets served from the gateway itself: no CDN, no external fonts, no telemetry). Open to everyone, like <c>/api/health</c>.
/// </summary>
internal static class DocumentationEndpoints
{
    public const string DocsPath = "/docs";
    public const string V1Path = "/openapi/v1.json";
    public const string V2Path = "/openapi/v2.json";
    public const string DefaultPath = "/openapi.json";

    public static IEndpointRouteBuilder MapGatewayDocumentation(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<DocumentationOptions>>().Value.Enabled)
        {
            return app;
        }

        var documentation = app.ServiceProvider.GetRequiredService<ApiDocumentation>();
        Map(app, DefaultPath, context => ServeAsync(context, documentation.Current.V1));
        Map(app, V1Path, context => ServeAsync(context, documentation.Current.V1));
        Map(app, V2Path, context => ServeAsync(context, documentation.Current.V2));

        app.MapScalarApiReference(DocsPath, static options => options
                .WithTitle("PyAirtable API Gateway")
                .AddDocument(GatewayOperations.V1, "API v1", V1Path, isDefault: true)
                .AddDocument(GatewayOperations.V2, "API v2", V2Path)
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .HideDeveloperTools()
                .HideClientButton()
                .ExpandAllTags()
                .AddPreferredSecuritySchemes(DocumentMerger.ApiKeyScheme))
            .WithMetadata(new MetricsLabel(DocsPath));
        return app;
    }

    private static void Map(IEndpointRouteBuilder app, string path, RequestDelegate handler) =>
        app.MapMethods(path, GatewayMethods.Get, handler).WithMetadata(new MetricsLabel(path));

    /// <summary>The document with its entity tag; 304 when <c>If-None-Match</c> names it (or is <c>*</c>).</summary>
    internal static Task ServeAsync(HttpContext context, PublishedDocument document)
    {
        var response = context.Response;
        response.Headers.ETag = document.ETag;
        response.Headers.CacheControl = "no-cache";
        GatewayResponseHeaders.Apply(response);
        if (Matches(context.Request.Headers.IfNoneMatch, document.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = document.Body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(document.Body, context.RequestAborted).AsTask();
    }

    /// <summary>RFC 9110 §13.1.2: weak comparison, a list of tags or <c>*</c>.</summary>
    internal static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var range in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = range.StartsWith("W/", StringComparison.Ordinal) ? range[2..] : range;
                if (tag == "*" || string.Equals(tag, etag, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
