using System.Text;

namespace PyAirtable.Gateway.Transforms;

/// <summary>
/// A route's query-string changes (<c>Query:Add</c>, <c>Query:Remove</c>): parameters named in Remove are dropped
/// (compared by their decoded name), the others pass byte for byte in their order, and the added ones (encoded once,
/// when the table is built) go last.
/// </summary>
internal sealed class QueryTransform
{
    private readonly string[] _remove;
    private readonly string _add;

    public QueryTransform(IReadOnlyList<KeyValuePair<string, string?>> add, string[] remove)
    {
        _remove = remove;
        var text = new StringBuilder();
        foreach (var (name, value) in add)
        {
            text.Append(text.Length == 0 ? "" : "&").Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value ?? ""));
        }

        _add = text.ToString();
    }

    /// <summary>The query (starting with '?', or empty) after the changes.</summary>
    public string Apply(ReadOnlySpan<char> query)
    {
        var text = new StringBuilder(query.Length + _add.Length + 1);
        if (!query.IsEmpty)
        {
            foreach (var range in query[1..].Split('&'))
            {
                var pair = query[1..][range];
                if (pair.IsEmpty)
                {
                    continue;
                }

                var equals = pair.IndexOf('=');
                var name = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).ToString().Replace('+', ' '));
                if (Array.IndexOf(_remove, name) >= 0)
                {
                    continue;
                }

                text.Append(text.Length == 0 ? '?' : '&').Append(pair);
            }
        }

        if (_add.Length > 0)
        {
            text.Append(text.Length == 0 ? '?' : '&').Append(_add);
        }

        return text.ToString();
    }
}
