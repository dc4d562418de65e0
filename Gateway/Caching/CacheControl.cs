using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The directives of a <c>Cache-Control</c> field (RFC 9111 §5.2), request or response, parsed once. Unknown
/// directives are ignored; a delta-seconds that does not parse counts as 0 (stale, §4.2.1) and one too large as
/// 2^31 (§1.2.2). A directive given twice with different values keeps the smaller (the more restrictive).
/// </summary>
internal struct CacheControl
{
    /// <summary>delta-seconds too large to represent saturate at 2^31 (RFC 9111 §1.2.2).</summary>
    public const int MaxDelta = int.MaxValue;

    public bool NoStore;
    public bool NoCache;

    /// <summary>The field names of a qualified <c>no-cache="a, b"</c> (response only); null when unqualified or absent.</summary>
    public string[]? NoCacheFields;
    public bool Private;
    public bool Public;
    public bool MustRevalidate;
    public bool ProxyRevalidate;
    public bool OnlyIfCached;
    public bool NoTransform;
    public int? MaxAge;
    public int? SharedMaxAge;
    public int? MinFresh;

    /// <summary><c>max-stale</c> without a value: any staleness is acceptable.</summary>
    public bool MaxStaleAny;
    public int? MaxStale;
    public int? StaleWhileRevalidate;
    public int? StaleIfError;

    public static CacheControl Parse(StringValues values)
    {
        var result = default(CacheControl);
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { Length: > 0 } value)
            {
                result.ParseOne(value.AsSpan());
            }
        }

        return result;
    }

    private void ParseOne(ReadOnlySpan<char> text)
    {
        var position = 0;
        while (position < text.Length)
        {
            // name
            while (position < text.Length && (text[position] is ' ' or '\t' or ','))
            {
                position++;
            }

            var start = position;
            while (position < text.Length && text[position] is not ('=' or ',' or ' ' or '\t'))
            {
                position++;
            }

            var name = text[start..position];
            while (position < text.Length && text[position] is ' ' or '\t')
            {
                position++;
            }

            ReadOnlySpan<char> argument = default;
            var hasArgument = false;
            if (position < text.Length && text[position] == '=')
            {
                hasArgument = true;
                position++;
                while (position < text.Length && text[position] is ' ' or '\t')
                {
                    position++;
                }

                if (position < text.Length && text[position] == '"')
                {
                    var close = text[(position + 1)..].IndexOf('"');
                    var end = close < 0 ? text.Length : position + 1 + close;
                    argument = text[(position + 1)..end];
                    position = Math.Min(text.Length, end + 1);
                }
                else
                {
                    start = position;
                    while (position < text.Length && text[position] is not (',' or ' ' or '\t'))
                    {
                        position++;
                    }

                    argument = text[start..position];
                }
            }

            // skip to the next comma
            while (position < text.Length && text[position] != ',')
            {
                position++;
            }

            if (name.Length > 0)
            {
                Apply(name, hasArgument, argument);
            }
        }
    }

    private void Apply(ReadOnlySpan<char> name, bool hasArgument, ReadOnlySpan<char> argument)
    {
        if (Is(name, "no-store"))
        {
            NoStore = true;
        }
        else if (Is(name, "no-cache"))
        {
            if (hasArgument && argument.Trim().Length > 0)
            {
                if (!NoCache)
                {
                    NoCacheFields = Merge(NoCacheFields, argument);
                }
            }
            else
            {
                NoCache = true;
                NoCacheFields = null;
            }
        }
        else if (Is(name, "private"))
        {
            // Qualified or not, a shared cache stores none of it (the qualified form would need the named fields cut,
            // and a service that names them means them private).
            Private = true;
        }
        else if (Is(name, "public"))
        {
            Public = true;
        }
        else if (Is(name, "must-revalidate"))
        {
            MustRevalidate = true;
        }
        else if (Is(name, "proxy-revalidate"))
        {
            ProxyRevalidate = true;
        }
        else if (Is(name, "only-if-cached"))
        {
            OnlyIfCached = true;
        }
        else if (Is(name, "no-transform"))
        {
            NoTransform = true;
        }
        else if (Is(name, "max-age"))
        {
            MaxAge = Min(MaxAge, Delta(argument));
        }
        else if (Is(name, "s-maxage"))
        {
            SharedMaxAge = Min(SharedMaxAge, Delta(argument));
        }
        else if (Is(name, "min-fresh"))
        {
            MinFresh = Min(MinFresh, Delta(argument));
        }
        else if (Is(name, "max-stale"))
        {
            if (hasArgument)
            {
                MaxStale = Min(MaxStale, Delta(argument));
            }
            else
            {
                MaxStaleAny = true;
            }
        }
        else if (Is(name, "stale-while-revalidate"))
        {
            StaleWhileRevalidate = Min(StaleWhileRevalidate, Delta(argument));
        }
        else if (Is(name, "stale-if-error"))
        {
            StaleIfError = Min(StaleIfError, Delta(argument));
        }
    }

    private static bool Is(ReadOnlySpan<char> name, string directive) => name.Equals(directive, StringComparison.OrdinalIgnoreCase);

    private static int? Min(int? current, int value) => current is { } c && c < value ? c : value;

    /// <summary>delta-seconds: digits only; invalid is 0, too large is <see cref="MaxDelta"/>.</summary>
    internal static int Delta(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        long value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return 0;
            }

            value = Math.Min(value * 10 + (c - '0'), MaxDelta);
        }

        return (int)value;
    }

    private static string[] Merge(string[]? existing, ReadOnlySpan<char> list)
    {
        var names = new List<string>(existing ?? []);
        foreach (var range in list.Split(','))
        {
            var field = list[range].Trim();
            if (field.Length > 0)
            {
                names.Add(field.ToString());
            }
        }

        return [.. names];
    }
}
