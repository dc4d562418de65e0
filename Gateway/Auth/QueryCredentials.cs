using System.Collections.Frozen;

namespace PyAirtable.Gateway.Auth;

/// <summary>Spots credentials sent in the query string, which are refused: URLs end up in logs and histories.</summary>
internal static class QueryCredentials
{
    private static readonly FrozenSet<string> Names = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase, "api_key", "apikey", "api-key", "x-api-key", "x_api_key", "access_token", "token");

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when the raw query (with or without its leading '?') has a credential parameter.</summary>
    public static bool Present(ReadOnlySpan<char> query)
    {
        if (query.IsEmpty)
        {
            return false;
        }

        if (query[0] == '?')
        {
            query = query[1..];
        }

        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            if (name.Contains('%'))
            {
                var decoded = Uri.UnescapeDataString(name.ToString());
                if (Names.Contains(decoded))
                {
                    return true;
                }
            }
            else if (Lookup.Contains(name))
            {
                return true;
            }
        }

        return false;
    }
}
