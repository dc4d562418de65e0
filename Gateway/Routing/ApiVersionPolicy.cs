namespace PyAirtable.Gateway.Routing;

/// <summary>
/// One API version's deprecation (<c>Gateway:Versions:&lt;v&gt;</c>): <c>Deprecated</c> (<c>true</c> or the ISO 8601
/// date since when) and <c>Sunset</c> (an ISO 8601 date). Nothing is deprecated by default.
/// </summary>
internal sealed record ApiVersionPolicy(string Name, bool Deprecated, DateTimeOffset? DeprecatedSince, DateTimeOffset? Sunset);
