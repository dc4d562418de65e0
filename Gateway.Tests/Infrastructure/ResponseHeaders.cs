namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>Reading a response header the way the tests compare it.</summary>
internal static class ResponseHeaders
{
    /// <summary>The header's values joined with ", ", or null when the response has none.</summary>
    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>The comma-separated tokens of a header, trimmed and lower-cased (empty when the header is missing).</summary>
    public static string[] Tokens(this HttpResponseMessage response, string name) =>
        (response.Header(name) ?? "").ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
