using System.Collections.Frozen;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>Removes credential cookies (by name) from a <c>Cookie</c> header before it is forwarded.</summary>
internal static class CookieFilter
{
    public static StringValues Remove(StringValues cookieHeaders, FrozenSet<string> names)
    {
        var kept = new StringBuilder();
        foreach (var header in cookieHeaders)
        {
            if (header is null)
            {
                continue;
            }

            foreach (var range in header.AsSpan().Split(';'))
            {
                var pair = header.AsSpan()[range].Trim();
                if (pair.IsEmpty)
                {
                    continue;
                }

                var equals = pair.IndexOf('=');
                var name = (equals < 0 ? pair : pair[..equals]).Trim();
                if (names.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name))
                {
                    continue;
                }

                if (kept.Length > 0)
                {
                    kept.Append("; ");
                }

                kept.Append(pair);
            }
        }

        return kept.Length == 0 ? StringValues.Empty : new StringValues(kept.ToString());
    }
}
