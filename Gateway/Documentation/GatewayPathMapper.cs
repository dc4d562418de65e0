namespace PyAirtable.Gateway.Documentation;

/// <summary>
/// Maps a path of a service's OpenAPI document (<c>/sessions/{session_id}/history</c>) onto the client-facing path of a
/// route whose upstream template reaches it (<c>/sessions/{id}/history</c> ← <c>/api/sessions/{id}/history</c>), giving
/// <c>/api/sessions/{id}/history</c> and the rename <c>session_id → id</c>. A catch-all (<c>{**path}</c>) takes the
/// rest of the service path, its parameters keeping their names. Pure; the templates are ASP.NET Core route templates.
/// </summary>
internal static class GatewayPathMapper
{
    /// <summary>The gateway path reaching <paramref name="servicePath"/> through the route, or false when the route does not reach it.</summary>
    /// <param name="renames">Service path-parameter name → gateway name, for the parameters the route names itself.</param>
    /// <param name="added">Parameters of the gateway path that the service path does not have (the route drops their values).</param>
    public static bool TryMap(string routePath, string upstreamPath, string servicePath, out string gatewayPath, out Dictionary<string, string> renames, out List<string> added)
    {
        gatewayPath = "";
        renames = new Dictionary<string, string>(StringComparer.Ordinal);
        added = [];
        var upstream = Parse(upstreamPath, template: true);
        var service = Parse(servicePath, template: false);
        var bound = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        for (; i < upstream.Count; i++)
        {
            var segment = upstream[i];
            if (segment.Kind == SegmentKind.CatchAll)
            {
                bound[segment.Text] = string.Join('/', service.Skip(i).Select(static s => s.Kind == SegmentKind.Parameter ? "{" + s.Text + "}" : s.Text));
                i = service.Count;
                break;
            }

            if (i >= service.Count)
            {
                return false;
            }

            var actual = service[i];
            if (segment.Kind == SegmentKind.Literal)
            {
                if (actual.Kind != SegmentKind.Literal || !string.Equals(segment.Text, actual.Text, StringComparison.Ordinal))
                {
                    return false;
                }
            }
            else if (actual.Kind == SegmentKind.Parameter)
            {
                bound[segment.Text] = "{" + segment.Text + "}";
                renames[actual.Text] = segment.Text;
            }
            else
            {
                bound[segment.Text] = actual.Text;
            }
        }

        if (i != service.Count)
        {
            return false;
        }

        var parts = new List<string>();
        foreach (var segment in Parse(routePath, template: true))
        {
            if (segment.Kind == SegmentKind.Literal)
            {
                parts.Add(segment.Text);
            }
            else if (bound.TryGetValue(segment.Text, out var value))
            {
                if (value.Length > 0)
                {
                    parts.Add(value);
                }
            }
            else
            {
                parts.Add("{" + segment.Text + "}");
                added.Add(segment.Text);
            }
        }

        gatewayPath = "/" + string.Join('/', parts);
        return true;
    }

    /// <summary>
    /// The path's segments. In a route template <c>{name}</c> (with a constraint, default or <c>?</c>) is a parameter and
    /// <c>{*name}</c> / <c>{**name}</c> a catch-all; in an OpenAPI path only a whole-segment <c>{name}</c> is a parameter.
    /// Anything else is literal.
    /// </summary>
    internal static List<Segment> Parse(string path, bool template)
    {
        var segments = new List<Segment>();
        foreach (var raw in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw.Length < 3 || raw[0] != '{' || raw[^1] != '}' || raw.IndexOf('{', 1) >= 0)
            {
                segments.Add(new Segment(SegmentKind.Literal, raw));
                continue;
            }

            var name = raw[1..^1];
            if (!template)
            {
                segments.Add(new Segment(SegmentKind.Parameter, name));
                continue;
            }

            var catchAll = name.StartsWith('*');
            name = name.TrimStart('*');
            var end = name.IndexOfAny([':', '=', '?']);
            if (end >= 0)
            {
                name = name[..end];
            }

            segments.Add(new Segment(catchAll ? SegmentKind.CatchAll : SegmentKind.Parameter, name));
        }

        return segments;
    }

    internal enum SegmentKind
    {
        Literal,
        Parameter,
        CatchAll,
    }

    internal readonly record struct Segment(SegmentKind Kind, string Text);
}
