using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// One stored response (a GET's): status, end-to-end headers and the whole body, with what reuse needs (when it was
/// stored, how old it was then, its freshness lifetime) and what selects it (the URL's query, the identity it is
/// bound to, the request's values of the headers its <c>Vary</c> and the route's key headers name). Immutable but
/// for its place and last use in the memory tier; a 304 from the service replaces it with a merged copy.
/// </summary>
internal sealed class CachedResponse
{
    /// <summary>Bytes counted for an entry besides its body and headers: what the entry, its strings and arrays cost on the heap (measured, docs/performance.md#response-cache).</summary>
    public const int Overhead = 512;

    public required string Route { get; init; }

    /// <summary>The path, raw as the client sent it (the bucket of the cache).</summary>
    public required string Path { get; init; }

    /// <summary>The raw query, with its <c>?</c>; empty when none.</summary>
    public required string Query { get; init; }

    /// <summary>The client identity the entry is bound to; null when the service allowed sharing (<c>public</c>, <c>s-maxage</c>).</summary>
    public required string? Identity { get; init; }

    public required int Status { get; init; }

    public required KeyValuePair<string, StringValues>[] Headers { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>When the response was received (RFC 9111 §4.2.3 response_time).</summary>
    public required DateTimeOffset ResponseTime { get; init; }

    /// <summary>corrected_initial_age (RFC 9111 §4.2.3).</summary>
    public required TimeSpan InitialAge { get; init; }

    public required TimeSpan FreshnessLifetime { get; init; }

    /// <summary><c>must-revalidate</c>, <c>proxy-revalidate</c> or <c>s-maxage</c>: never served stale.</summary>
    public required bool NoStaleReuse { get; init; }

    /// <summary>Unqualified <c>no-cache</c>: never served without validation.</summary>
    public required bool AlwaysValidate { get; init; }

    /// <summary><c>stale-while-revalidate</c> (RFC 5861 §3): how long past its lifetime the entry may answer while it is revalidated in the background; null: not at all.</summary>
    public TimeSpan? StaleWhileRevalidate { get; init; }

    /// <summary><c>stale-if-error</c> (RFC 5861 §4): how long past its lifetime the entry may answer when the service fails; null: not at all.</summary>
    public TimeSpan? StaleIfError { get; init; }

    public required string? ETag { get; init; }

    public required DateTimeOffset? LastModified { get; init; }

    /// <summary>The header names of the response's <c>Vary</c> followed by the route's key headers.</summary>
    public required string[] SelectingNames { get; init; }

    /// <summary>The request's values of <see cref="SelectingNames"/>, in order.</summary>
    public required string[] SelectingValues { get; init; }

    public long Size => Overhead + Body.Length + HeaderBytes;

    public required int HeaderBytes { get; init; }

    /// <summary>The entry's index in the memory tier's entry list; -1 when not stored (guarded by the tier's write lock).</summary>
    internal int Slot = -1;

    /// <summary>When the entry was last used (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for least-recently-used eviction.</summary>
    internal long LastUsed;

    public TimeSpan Age(DateTimeOffset now) => InitialAge + (now > ResponseTime ? now - ResponseTime : TimeSpan.Zero);

    /// <summary>True when the entry answers a request with these selecting values.</summary>
    public bool Selects(string query, string? identity, HttpRequest request)
    {
        if (!string.Equals(Query, query, StringComparison.Ordinal) || (Identity is not null && !string.Equals(Identity, identity, StringComparison.Ordinal)))
        {
            return false;
        }

        for (var i = 0; i < SelectingNames.Length; i++)
        {
            if (!string.Equals(SelectingValues[i], SelectingValue(request, SelectingNames[i]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when both entries are the same variant (one replaces the other).</summary>
    public bool SameVariant(CachedResponse other)
    {
        if (!string.Equals(Query, other.Query, StringComparison.Ordinal) || !string.Equals(Identity, other.Identity, StringComparison.Ordinal)
            || SelectingNames.Length != other.SelectingNames.Length)
        {
            return false;
        }

        for (var i = 0; i < SelectingNames.Length; i++)
        {
            if (!string.Equals(SelectingNames[i], other.SelectingNames[i], StringComparison.OrdinalIgnoreCase)
                || !string.Equals(SelectingValues[i], other.SelectingValues[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A request's value of a selecting header: its field lines joined, whitespace around commas normalised away.</summary>
    public static string SelectingValue(HttpRequest request, string name)
    {
        var values = request.Headers[name];
        return values.Count switch
        {
            0 => "",
            1 => values[0]?.Trim() ?? "",
            _ => string.Join(',', values.ToArray()),
        };
    }
}
