namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>A service's own OpenAPI document, as FastAPI serves it (the documents are embedded in this assembly).</summary>
internal static class OpenApiEndpoint
{
    /// <summary>The embedded document of <paramref name="fileName"/> (e.g. <c>airtable-gateway.json</c>).</summary>
    public static byte[] Document(string fileName)
    {
        using var stream = typeof(OpenApiEndpoint).Assembly.GetManifestResourceStream("OpenApi." + fileName)
            ?? throw new InvalidOperationException($"OpenApi.{fileName} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Serves the embedded <paramref name="fileName"/> at <c>/openapi.json</c> (or <c>/openapi.yaml</c> for a YAML file).</summary>
    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder endpoints, string fileName)
    {
        var body = Document(fileName);
        var yaml = fileName.EndsWith(".yaml", StringComparison.Ordinal);
        endpoints.MapGet(yaml ? "/openapi.yaml" : "/openapi.json", (HttpContext context) =>
        {
            context.Response.ContentType = yaml ? "application/yaml" : "application/json";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
        });
        return endpoints;
    }
}
