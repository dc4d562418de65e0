using Microsoft.AspNetCore.Routing.Patterns;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// A route's client-facing template, compiled to find the raw (still percent-encoded) text of each captured value in
/// the request target: routing matched the decoded path, but a value must reach the service byte for byte. Only
/// whole-segment parameters are allowed (<c>{id}</c>, <c>{id?}</c>, <c>{**rest}</c>), so segments of the raw and
/// the decoded path correspond one to one (Kestrel never decodes <c>%2F</c>).
/// </summary>
internal sealed class PathTemplate
{
    /// <summary>At most this many parameters per route (captures live on the stack).</summary>
    public const int MaxParameters = 16;

    private readonly Segment[] _segments;

    private PathTemplate(Segment[] segments, string[] parameters)
    {
        _segments = segments;
        Parameters = parameters;
    }

    /// <summary>Parameter names, in template order (the capture order).</summary>
    public string[] Parameters { get; }

    /// <summary>Compiles <paramref name="template"/>; null with a reason when it is not a route template the gateway can forward.</summary>
    public static PathTemplate? TryCreate(string template, out string? problem)
    {
        RoutePattern pattern;
        try
        {
            pattern = RoutePatternFactory.Parse(template);
        }
        catch (RoutePatternException ex)
        {
            problem = $"is not a valid route template: {ex.Message}";
            return null;
        }

        if (!template.StartsWith('/'))
        {
            problem = "must start with '/'";
            return null;
        }

        if (pattern.PathSegments.Count == 0)
        {
            problem = "must have at least one segment";
            return null;
        }

        var segments = new Segment[pattern.PathSegments.Count];
        var names = new List<string>();
        for (var i = 0; i < segments.Length; i++)
        {
            var parts = pattern.PathSegments[i].Parts;
            if (parts.Count != 1)
            {
                problem = $"has a segment mixing text and parameters ('{template}'); a parameter must fill a whole segment";
                return null;
            }

            switch (parts[0])
            {
                case RoutePatternParameterPart parameter:
                    segments[i] = new Segment(parameter.IsCatchAll ? SegmentKind.CatchAll : SegmentKind.Parameter, names.Count, parameter.IsOptional, null);
                    names.Add(parameter.Name);
                    break;
                case RoutePatternLiteralPart literal:
                    segments[i] = new Segment(SegmentKind.Literal, -1, false, literal.Content);
                    break;
                default:
                    problem = $"has a segment that is neither text nor a parameter ('{template}')";
                    return null;
            }
        }

        if (names.Count > MaxParameters)
        {
            problem = $"has more than {MaxParameters} parameters";
            return null;
        }

        problem = null;
        return new PathTemplate(segments, [.. names]);
    }

    /// <summary>
    /// Finds each parameter's raw text in <paramref name="path"/> (the raw request path, without query). False when
    /// the path does not have the template's shape (a literal segment is compared ignoring case, percent-decoded when
    /// the client encoded it). <paramref name="trailingSlash"/> is set when the path ends with a
    /// '/' beyond the template's last segment (kept on the upstream path).
    /// </summary>
    public bool TryCapture(ReadOnlySpan<char> path, Span<Range> captures, out bool trailingSlash)
    {
        trailingSlash = false;
        var position = 0;
        foreach (var segment in _segments)
        {
            if (position >= path.Length)
            {
                if (segment.Kind == SegmentKind.Literal || (segment.Kind == SegmentKind.Parameter && !segment.Optional))
                {
                    return false;
                }

                captures[segment.Capture] = new Range(path.Length, path.Length);
                continue;
            }

            if (path[position] != '/')
            {
                return false;
            }

            position++;
            if (segment.Kind == SegmentKind.CatchAll)
            {
                captures[segment.Capture] = new Range(position, path.Length);
                position = path.Length;
                continue;
            }

            var slash = path[position..].IndexOf('/');
            var end = slash < 0 ? path.Length : position + slash;
            if (segment.Kind == SegmentKind.Parameter)
            {
                captures[segment.Capture] = new Range(position, end);
            }
            else if (!IsLiteral(path[position..end], segment.Literal!))
            {
                return false;
            }

            position = end;
        }

        if (position == path.Length)
        {
            return true;
        }

        // Only a trailing slash may be left over.
        trailingSlash = position == path.Length - 1 && path[position] == '/';
        return trailingSlash;
    }

    private static bool IsLiteral(ReadOnlySpan<char> raw, string literal) =>
        raw.Equals(literal, StringComparison.OrdinalIgnoreCase)
        || (raw.Contains('%') && Uri.UnescapeDataString(raw.ToString()).Equals(literal, StringComparison.OrdinalIgnoreCase));

    private enum SegmentKind : byte
    {
        Literal,
        Parameter,
        CatchAll,
    }

    private readonly record struct Segment(SegmentKind Kind, int Capture, bool Optional, string? Literal);
}
