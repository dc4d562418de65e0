using Microsoft.OpenApi;

namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// One service's part of a build: its last good document (null when there never was one) and, when the latest fetch
/// failed, why (the section is then stale or missing, and the merged document says so).
/// </summary>
internal sealed record ServiceSection(string Name, OpenApiDocument? Document, string? Problem);
