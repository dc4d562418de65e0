namespace PyAirtable.Gateway.Documentation;

/// <summary>The merged API documentation (section <c>Gateway:Documentation</c>).</summary>
internal sealed class DocumentationOptions
{
    public const string Section = "Gateway:Documentation";

    /// <summary>The path of a service's own OpenAPI document unless <see cref="Paths"/> names another.</summary>
    public const string DefaultPath = "/openapi.json";

    /// <summary>Serve <c>/openapi.json</c>, <c>/openapi/v1.json</c>, <c>/openapi/v2.json</c> and <c>/docs</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds between fetches of the services' documents (they are fetched at start and when the routes change too).</summary>
    public int RefreshSeconds { get; set; } = 300;

    /// <summary>Seconds one fetch of a service's document may take.</summary>
    public int FetchTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest service document accepted, in bytes.</summary>
    public int MaxDocumentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Per service (by its name in <c>Gateway:Services</c>): the path of its OpenAPI document, JSON or YAML.</summary>
    public Dictionary<string, string> Paths { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The document path of <paramref name="service"/>.</summary>
    public string PathOf(string service) => Paths.TryGetValue(service, out var path) && !string.IsNullOrWhiteSpace(path) ? path : DefaultPath;
}
