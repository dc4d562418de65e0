using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Auth;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// A request of the gateway's own, made in the background to revalidate a stored response (<c>stale-while-revalidate</c>):
/// a copy of the client's GET (its target, headers but the conditional ones, identity and address) made conditional
/// on the stored validators, whose response body goes nowhere but into the cache. It has its own cancellation, never
/// the client's, and outlives the client's request.
/// </summary>
internal static class BackgroundRequest
{
    public static DefaultHttpContext Create(HttpContext source, CachedResponse entry, CancellationToken aborted)
    {
        var request = source.Request;
        IHeaderDictionary headers = new HeaderDictionary();
        foreach (var header in request.Headers)
        {
            if (!IsDropped(header.Key))
            {
                headers[header.Key] = header.Value;
            }
        }

        if (entry.ETag is { } etag)
        {
            headers.IfNoneMatch = etag;
        }
        else if (entry.LastModified is { } modified)
        {
            headers.IfModifiedSince = modified.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        }

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = request.Protocol,
            Method = HttpMethods.Get,
            Scheme = request.Scheme,
            PathBase = request.PathBase.Value ?? "",
            Path = request.Path.Value ?? "/",
            QueryString = request.QueryString.Value ?? "",
            RawTarget = source.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Concat(request.Path.Value, request.QueryString.Value),
            Headers = headers,
            Body = Stream.Null,
        });
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = aborted });
        features.Set<IHttpRequestBodyDetectionFeature>(NoBody.Instance);
        features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature { TraceIdentifier = source.TraceIdentifier });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            RemoteIpAddress = source.Connection.RemoteIpAddress,
            RemotePort = source.Connection.RemotePort,
            LocalIpAddress = source.Connection.LocalIpAddress,
            LocalPort = source.Connection.LocalPort,
        });
        if (source.Features.Get<ClientIdentity>() is { } identity)
        {
            features.Set(identity);
        }

        return new DefaultHttpContext(features);
    }

    private static bool IsDropped(string name) =>
        name.Equals(HeaderNames.IfNoneMatch, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.IfModifiedSince, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.IfMatch, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.IfUnmodifiedSince, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.IfRange, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase);

    private sealed class NoBody : IHttpRequestBodyDetectionFeature
    {
        public static readonly NoBody Instance = new();

        public bool CanHaveBody => false;
    }
}
