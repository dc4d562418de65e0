namespace PyAirtable.Gateway.Routing;

/// <summary>
/// A route's upstream path template (<c>/r/{**rest}</c>): literal text and references to the client template's
/// parameters, whose raw values are put in byte for byte.
/// </summary>
internal sealed class UpstreamTemplate
{
    private readonly string[] _literals;
    private readonly int[] _captures;

    private UpstreamTemplate(string text, string[] literals, int[] captures)
    {
        Text = text;
        _literals = literals;
        _captures = captures;
        EndsWithSlash = text.EndsWith('/');
        EndsWithCatchAll = captures.Length > 0 && captures[^1] >= 0 && text.EndsWith('}');
    }

    /// <summary>The template as configured.</summary>
    public string Text { get; }

    /// <summary>The template ends with '/', so no trailing slash is added.</summary>
    public bool EndsWithSlash { get; }

    /// <summary>The template ends with a parameter whose value may itself end with '/'.</summary>
    public bool EndsWithCatchAll { get; }

    /// <summary>Compiles <paramref name="text"/> against the client template's <paramref name="parameters"/>.</summary>
    public static UpstreamTemplate? TryCreate(string text, string[] parameters, out string? problem)
    {
        if (!text.StartsWith('/'))
        {
            problem = "must start with '/'";
            return null;
        }

        if (text.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            problem = "must be a path without query or fragment (the client's raw query is passed on; use Query to change it)";
            return null;
        }

        var literals = new List<string>();
        var captures = new List<int>();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf('{', position);
            var close = text.IndexOf('}', position);
            if (open < 0)
            {
                if (close >= 0)
                {
                    problem = "has a '}' without '{'";
                    return null;
                }

                literals.Add(text[position..]);
                captures.Add(-1);
                break;
            }

            if (open > position)
            {
                literals.Add(text[position..open]);
                captures.Add(-1);
            }

            close = text.IndexOf('}', open);
            if (close < 0)
            {
                problem = "has a '{' without '}'";
                return null;
            }

            var name = text[(open + 1)..close].TrimStart('*');
            var colon = name.IndexOfAny([':', '?', '=']);
            if (colon >= 0)
            {
                name = name[..colon];
            }

            var index = Array.FindIndex(parameters, p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                problem = $"names '{{{name}}}', which is not a parameter of Path (parameters: {(parameters.Length == 0 ? "none" : string.Join(", ", parameters))})";
                return null;
            }

            literals.Add("");
            captures.Add(index);
            position = close + 1;
        }

        problem = null;
        return new UpstreamTemplate(text, [.. literals], [.. captures]);
    }

    /// <summary>The upstream path's length for these captures of <paramref name="path"/>.</summary>
    public int Length(ReadOnlySpan<char> path, ReadOnlySpan<Range> captures)
    {
        var length = 0;
        for (var i = 0; i < _literals.Length; i++)
        {
            length += _captures[i] < 0 ? _literals[i].Length : path[captures[_captures[i]]].Length;
        }

        return length;
    }

    /// <summary>Writes the upstream path into <paramref name="destination"/> (sized by <see cref="Length"/>); returns the characters written.</summary>
    public int Write(ReadOnlySpan<char> path, ReadOnlySpan<Range> captures, Span<char> destination)
    {
        var written = 0;
        for (var i = 0; i < _literals.Length; i++)
        {
            var part = _captures[i] < 0 ? _literals[i].AsSpan() : path[captures[_captures[i]]];
            part.CopyTo(destination[written..]);
            written += part.Length;
        }

        return written;
    }
}
