using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// Builds the upstream URL by concatenating the configured base URL with the client's raw path suffix
/// and raw query, byte for byte (never <c>new Uri(base, userPath)</c>, which lets <c>//host</c> change the authority).
/// </summary>
internal static class UpstreamPath
{
    private static readonly SearchValues<char> NeedsScrutiny = SearchValues.Create(".%\\");

    /// <summary>
    /// The upstream URL for this request, or null when the request target is not origin-form or its path
    /// suffix holds a dot-segment (plain or percent-encoded) that could climb out of the service's prefix.
    /// </summary>
    public static string? TryBuild(HttpContext context, GatewayRoute route, string baseUrl)
    {
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        if (raw.Length == 0 || raw[0] != '/')
        {
            return null;
        }

        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? raw.AsSpan() : raw.AsSpan(0, queryStart);
        var query = queryStart < 0 ? default : raw.AsSpan(queryStart);

        ReadOnlySpan<char> suffix;
        string? reencoded = null;
        if (path.StartsWith(route.StripPrefix, StringComparison.OrdinalIgnoreCase))
        {
            suffix = path[route.StripPrefix.Length..];
        }
        else
        {
            // The prefix itself was percent-encoded: fall back to the decoded path, encoded again.
            var decoded = context.Request.Path.Value ?? "";
            if (!decoded.StartsWith(route.StripPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            reencoded = new PathString(decoded[route.StripPrefix.Length..]).ToUriComponent();
            suffix = reencoded;
        }

        if (suffix.ContainsAny(NeedsScrutiny) && HasDotSegment(suffix))
        {
            return null;
        }

        return suffix.IsEmpty
            ? string.Concat(baseUrl, "/", query)
            : string.Concat(baseUrl, suffix, query);
    }

    /// <summary>True when the raw request path (before Kestrel removed its dot-segments) holds a '.' or '..' segment.</summary>
    public static bool HasDotSegmentInTarget(HttpContext context)
    {
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget.AsSpan();
        var queryStart = raw.IndexOf('?');
        var path = queryStart < 0 ? raw : raw[..queryStart];
        return path.ContainsAny(NeedsScrutiny) && HasDotSegment(path);
    }

    /// <summary>True when a segment of <paramref name="path"/>, once percent-decoded and split at '/', '\' (or their escapes), is "." or "..".</summary>
    internal static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        var rented = path.Length > 256 ? ArrayPool<char>.Shared.Rent(path.Length) : null;
        var decoded = rented ?? stackalloc char[256];
        var length = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '%' && i + 2 < path.Length
                && byte.TryParse(path.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)
                && b < 0x80)
            {
                c = (char)b;
                i += 2;
            }

            decoded[length++] = c == '\\' ? '/' : c;
        }

        var found = false;
        foreach (var range in decoded[..length].Split('/'))
        {
            var segment = decoded[range];
            if (segment is "." or "..")
            {
                found = true;
                break;
            }
        }

        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return found;
    }
}
