using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// Builds the upstream URL from the configured base URL, the route's upstream path template with the client's
/// captured values put in raw (byte for byte, never decoded), and the raw query, concatenated (never
/// <c>new Uri(base, userPath)</c>, which lets <c>//host</c> change the authority).
/// </summary>
internal static class UpstreamPath
{
    private static readonly SearchValues<char> NeedsScrutiny = SearchValues.Create(".%\\");

    /// <summary>
    /// The upstream URL for this request, or null when the request target is not origin-form, does not have the
    /// route's shape, or a captured value holds a dot-segment (plain or percent-encoded) that could climb out of the
    /// service's prefix.
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

        var template = route.PathTemplate;
        Span<Range> captures = stackalloc Range[template.Parameters.Length]; // at most PathTemplate.MaxParameters
        if (!template.TryCapture(path, captures, out var trailingSlash))
        {
            return null;
        }

        foreach (var capture in captures)
        {
            var value = path[capture];
            if (value.ContainsAny(NeedsScrutiny) && HasDotSegment(value))
            {
                return null;
            }
        }

        var entry = route.Entry;
        if (entry.Query is { } transform)
        {
            query = transform.Apply(query);
        }

        var upstream = entry.Upstream;
        var slash = trailingSlash && !upstream.EndsWithSlash;
        var length = baseUrl.Length + upstream.Length(path, captures) + (slash ? 1 : 0) + query.Length;
        var rented = length > 256 ? ArrayPool<char>.Shared.Rent(length) : null;
        var buffer = rented ?? stackalloc char[256];
        baseUrl.CopyTo(buffer);
        var written = baseUrl.Length;
        written += upstream.Write(path, captures, buffer[written..]);
        if (slash)
        {
            buffer[written++] = '/';
        }

        query.CopyTo(buffer[written..]);
        written += query.Length;
        var url = new string(buffer[..written]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return url;
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
