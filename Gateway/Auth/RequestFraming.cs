namespace PyAirtable.Gateway.Auth;

/// <summary>
/// Refuses request framing that two HTTP parsers could read differently, before anything is forwarded. Kestrel
/// already rejects duplicate or conflicting <c>Content-Length</c> and unknown transfer codings, but accepts
/// <c>Content-Length</c> together with <c>Transfer-Encoding: chunked</c> (it reads the body as chunked and renames the
/// length to <c>X-Content-Length</c>) and a repeated <c>chunked</c>. RFC 9112 §6.3 lets a server refuse those as
/// smuggling attempts; the gateway does. (A signed length such as <c>+2</c> is parsed by Kestrel and forwarded as a
/// plain <c>Content-Length</c>, so services never see it.)
/// </summary>
internal static class RequestFraming
{
    /// <summary>Where Kestrel moves <c>Content-Length</c> when <c>Transfer-Encoding</c> is also present.</summary>
    public const string MovedContentLength = "X-Content-Length";

    /// <summary>True unless <c>Transfer-Encoding</c> is present with anything but exactly one <c>chunked</c> and no length.</summary>
    public static bool IsUnambiguous(HttpRequest request)
    {
        var headers = request.Headers;
        var transferEncoding = headers.TransferEncoding;
        return transferEncoding.Count == 0
            || (transferEncoding.Count == 1
                && string.Equals(transferEncoding[0], "chunked", StringComparison.OrdinalIgnoreCase)
                && headers.ContentLength is null
                && !headers.ContainsKey(MovedContentLength));
    }
}
