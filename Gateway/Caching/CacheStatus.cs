using System.Globalization;

namespace PyAirtable.Gateway.Caching;

/// <summary>The <c>Cache-Status</c> field (RFC 9211) the gateway sends on a cacheable route's responses.</summary>
internal static class CacheStatus
{
    public const string Header = "Cache-Status";

    public const string Hit = "PyAirtableGateway; hit";
    public const string HitCollapsed = "PyAirtableGateway; hit; detail=collapsed";
    public const string UriMiss = "PyAirtableGateway; fwd=uri-miss";
    public const string Miss = "PyAirtableGateway; fwd=miss";
    public const string Stale = "PyAirtableGateway; fwd=stale";
    public const string Request = "PyAirtableGateway; fwd=request";
    public const string Method = "PyAirtableGateway; fwd=method";
    public const string OnlyIfCached = "PyAirtableGateway; fwd=miss; detail=only-if-cached";
    public const string Revalidated = "PyAirtableGateway; fwd=stale; fwd-status=304";
    public const string StoredSuffix = "; stored";

    /// <summary>A stale entry answered without asking the service: a hit with a negative <c>ttl</c> (RFC 9211 §2.4), and why (<c>max-stale</c>, <c>stale-while-revalidate</c>).</summary>
    public static string StaleHit(TimeSpan ttl, string detail) =>
        string.Concat(Hit, "; ttl=", Ttl(ttl), "; detail=", detail);

    /// <summary>The service failed (<paramref name="failure"/>, a 5xx) and a stored entry answered instead (<c>stale-if-error</c>).</summary>
    public static string ServedOnError(string forward, int failure, TimeSpan ttl) =>
        string.Concat(forward, "; fwd-status=", failure.ToString(CultureInfo.InvariantCulture), "; ttl=", Ttl(ttl), "; detail=stale-if-error");

    /// <summary>Whole seconds of remaining freshness; negative when stale.</summary>
    private static string Ttl(TimeSpan ttl) => ((long)Math.Floor(ttl.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
