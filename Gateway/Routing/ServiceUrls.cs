using System.Diagnostics.CodeAnalysis;

namespace PyAirtable.Gateway.Routing;

/// <summary>Parses a configured service URL list (<c>http://a:8002,http://b:8002</c>) into base URLs without a trailing slash.</summary>
internal static class ServiceUrls
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out string[]? baseUrls, [NotNullWhen(false)] out string? problem)
    {
        baseUrls = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = "must be an absolute http(s) URL or a comma-separated list of them";
            return false;
        }

        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            problem = "must name at least one URL";
            return false;
        }

        var result = new string[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!Uri.TryCreate(parts[i], UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                problem = $"has '{parts[i]}', which is not an absolute http(s) URL without query, fragment or user info";
                return false;
            }

            result[i] = parts[i].TrimEnd('/');
        }

        baseUrls = result;
        problem = null;
        return true;
    }
}
