namespace PyAirtable.Gateway.Caching;

/// <summary>The <c>Cache-Status</c> field (RFC 9211) the gateway sends on a cacheable route's responses.</summary>
internal static class CacheStatus
{
    public const string Header = "Cache-Status";

    public const string Hit = "PyAirtableGateway; hit";
    public const string HitStale = "PyAirtableGateway; hit; detail=stale";
    public const string HitCollapsed = "PyAirtableGateway; hit; detail=collapsed";
    public const string UriMiss = "PyAirtableGateway; fwd=uri-miss";
    public const string Miss = "PyAirtableGateway; fwd=miss";
    public const string Stale = "PyAirtableGateway; fwd=stale";
    public const string Request = "PyAirtableGateway; fwd=request";
    public const string Method = "PyAirtableGateway; fwd=method";
    public const string OnlyIfCached = "PyAirtableGateway; fwd=miss; detail=only-if-cached";
    public const string Revalidated = "PyAirtableGateway; fwd=stale; fwd-status=304";
    public const string StoredSuffix = "; stored";
}
