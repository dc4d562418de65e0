using System.Buffers;
using System.Text;

namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// Hides secrets in configuration values shown to operators (<c>/_gateway/config</c>, start-up and reload errors):
/// whole values of secret-named settings, and the secrets inside any other value, whatever its setting is called —
/// <c>name=value</c> pairs of connection strings (StackExchange.Redis <c>host:6379,password=...</c>, ADO
/// <c>...;Pwd=...</c>) and URLs (the password of <c>scheme://user:password@host</c>, all of <c>scheme://token@host</c>,
/// and secret query parameters) in comma or semicolon separated lists. Not for the request path.
/// </summary>
internal static class SecretMasking
{
    public const string Mask = "***";

    /// <summary>Case-insensitive parts of names whose values are secrets.</summary>
    private static readonly string[] SecretParts =
        ["key", "secret", "password", "passwd", "pwd", "token", "credential", "connectionstring", "redisurl"];

    /// <summary>Short names that are secrets only as a whole (connection-string keys and query parameters): <c>sig</c> of a SAS URL.</summary>
    private static readonly string[] SecretNames = ["sig", "pass", "sas"];

    private static readonly SearchValues<char> Markers = SearchValues.Create("=@");

    private static readonly SearchValues<char> Separators = SearchValues.Create(",;");

    /// <summary>True when a setting, connection-string key or query parameter of this name holds a secret.</summary>
    public static bool IsSecretName(ReadOnlySpan<char> name)
    {
        name = name.Trim();
        foreach (var part in SecretParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var whole in SecretNames)
        {
            if (name.Equals(whole, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="value"/> with every secret inside it replaced by <c>***</c>; the same instance when it holds none.</summary>
    public static string MaskText(string value)
    {
        if (value.AsSpan().IndexOfAny(Markers) < 0)
        {
            return value;
        }

        StringBuilder? masked = null;
        var start = 0;
        while (start <= value.Length)
        {
            var next = value.AsSpan(start).IndexOfAny(Separators);
            var end = next < 0 ? value.Length : start + next;

            var segment = value.AsSpan(start, end - start);
            var replaced = segment.Contains("://", StringComparison.Ordinal) ? MaskUrl(segment) : MaskPair(segment);
            if (replaced is not null)
            {
                masked ??= new StringBuilder(value.Length).Append(value, 0, start);
                masked.Append(replaced);
            }
            else
            {
                masked?.Append(segment);
            }

            if (end < value.Length)
            {
                masked?.Append(value[end]);
            }

            start = end + 1;
        }

        return masked?.ToString() ?? value;
    }

    /// <summary><c>name=value</c> with a secret name: the value masked (spacing kept). Null when nothing to mask.</summary>
    private static string? MaskPair(ReadOnlySpan<char> pair)
    {
        var equals = pair.IndexOf('=');
        if (equals <= 0 || !IsSecretName(pair[..equals]))
        {
            return null;
        }

        var value = pair[(equals + 1)..];
        var lead = value.Length - value.TrimStart().Length;
        return value.Trim().IsEmpty ? null : string.Concat(pair[..(equals + 1 + lead)], Mask);
    }

    /// <summary>A URL: the password of its user info (all of it without a colon) and secret query parameters masked. Null when nothing to mask.</summary>
    private static string? MaskUrl(ReadOnlySpan<char> url)
    {
        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var authorityLength = url[authorityStart..].IndexOfAny('/', '?', '#');
        var authority = authorityLength < 0 ? url[authorityStart..] : url.Slice(authorityStart, authorityLength);
        var at = authority.LastIndexOf('@');
        var text = new StringBuilder(url.Length);
        var changed = false;
        if (at >= 0)
        {
            var colon = authority[..at].IndexOf(':');
            text.Append(url[..authorityStart]).Append(colon < 0 ? "" : authority[..(colon + 1)]).Append(Mask).Append(authority[at..]);
            changed = true;
        }
        else
        {
            text.Append(url[..(authorityStart + authority.Length)]);
        }

        var rest = url[(authorityStart + authority.Length)..];
        var question = rest.IndexOf('?');
        if (question < 0)
        {
            text.Append(rest);
            return changed ? text.ToString() : null;
        }

        text.Append(rest[..(question + 1)]);
        var query = rest[(question + 1)..];
        var hash = query.IndexOf('#');
        var fragment = hash < 0 ? default : query[hash..];
        query = hash < 0 ? query : query[..hash];
        while (!query.IsEmpty)
        {
            var amp = query.IndexOf('&');
            var parameter = amp < 0 ? query : query[..amp];
            if (MaskPair(parameter) is { } maskedParameter)
            {
                text.Append(maskedParameter);
                changed = true;
            }
            else
            {
                text.Append(parameter);
            }

            if (amp < 0)
            {
                break;
            }

            text.Append('&');
            query = query[(amp + 1)..];
        }

        text.Append(fragment);
        return changed ? text.ToString() : null;
    }
}
