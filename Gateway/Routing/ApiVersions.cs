namespace PyAirtable.Gateway.Routing;

/// <summary>The API versions: every route under <c>/api/</c> answers at <c>/api/...</c> (v1), <c>/api/v1/...</c> and <c>/api/v2/...</c>.</summary>
internal static class ApiVersions
{
    public const string V1 = "v1";
    public const string V2 = "v2";

    /// <summary>The versions, oldest first.</summary>
    public static readonly string[] All = [V1, V2];

    /// <summary>The versions for messages: <c>v1, v2</c>.</summary>
    public static readonly string Listed = string.Join(", ", All);

    /// <summary>The response header naming the version that answered.</summary>
    public const string Header = "API-Version";

    /// <summary>The canonical name of a version (<c>V2</c> gives <c>v2</c>), or null.</summary>
    public static string? Find(string? name)
    {
        foreach (var version in All)
        {
            if (string.Equals(version, name, StringComparison.OrdinalIgnoreCase))
            {
                return version;
            }
        }

        return null;
    }

    /// <summary>The next version, or null for the newest.</summary>
    public static string? Successor(string version)
    {
        var index = Array.IndexOf(All, version);
        return index >= 0 && index + 1 < All.Length ? All[index + 1] : null;
    }

    /// <summary>True for a route template that is versioned: one under <c>/api/</c>.</summary>
    public static bool IsVersioned(string path) => path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when the segment after <c>/api/</c> of an unmatched path looks like a version (<c>v3</c>, <c>vX</c>,
    /// <c>v10</c>): a <c>v</c> then a digit, or a <c>v</c> and one more character.
    /// </summary>
    public static bool LooksLikeVersion(ReadOnlySpan<char> path, out ReadOnlySpan<char> segment)
    {
        segment = default;
        if (!path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = path[5..];
        var slash = rest.IndexOf('/');
        segment = slash < 0 ? rest : rest[..slash];
        return segment.Length is >= 2 and <= 5 && segment[0] is 'v' or 'V' && (char.IsAsciiDigit(segment[1]) || segment.Length == 2);
    }
}
