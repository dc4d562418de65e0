using System.Buffers;
using System.Collections.Frozen;
using Microsoft.Net.Http.Headers;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>Which headers cross the gateway, in each direction.</summary>
internal static class HeaderRules
{
    /// <summary>Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded either way.</summary>
    public static readonly FrozenSet<string> HopByHop = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        HeaderNames.Connection,
        HeaderNames.KeepAlive,
        HeaderNames.TE,
        HeaderNames.Trailer,
        HeaderNames.TransferEncoding,
        HeaderNames.Upgrade,
        HeaderNames.ProxyAuthenticate,
        HeaderNames.ProxyAuthorization,
        "Proxy-Connection");

    /// <summary>
    /// Request headers the gateway drops or sets itself, besides the hop-by-hop ones: framing, credentials, identity,
    /// and every header that claims where the client is (a service must never take a client's word for its address;
    /// the gateway speaks for it in <c>X-Forwarded-For/Proto/Host</c>).
    /// </summary>
    public static readonly FrozenSet<string> RequestOwnedByGateway = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        HeaderNames.Host,
        HeaderNames.ContentLength,
        HeaderNames.Expect,
        GatewayHeaders.ApiKey,
        HeaderNames.Authorization,
        GatewayHeaders.ClientId,
        GatewayHeaders.RequestId,
        GatewayHeaders.ForwardedFor,
        GatewayHeaders.ForwardedProto,
        GatewayHeaders.ForwardedHost,
        "Forwarded",
        "X-Real-IP",
        "True-Client-IP",
        "X-Forwarded-Port",
        "X-Forwarded-Prefix");

    /// <summary>Response headers the gateway does not pass back, besides the hop-by-hop ones.</summary>
    public static readonly FrozenSet<string> ResponseOwnedByGateway = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        HeaderNames.Server,
        GatewayHeaders.RequestId);

    /// <summary>Headers that belong on <see cref="HttpContent"/> rather than on the request message.</summary>
    public static readonly FrozenSet<string> ContentHeaders = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        HeaderNames.ContentType,
        HeaderNames.ContentEncoding,
        HeaderNames.ContentLanguage,
        HeaderNames.ContentLocation,
        HeaderNames.ContentMD5,
        HeaderNames.ContentRange,
        HeaderNames.ContentDisposition,
        HeaderNames.Expires,
        HeaderNames.LastModified,
        HeaderNames.Allow);

    private static readonly SearchValues<char> Forbidden = SearchValues.Create("\r\n\0");

    /// <summary>True when a header value would break the message framing (CR, LF or NUL).</summary>
    public static bool IsUnsafeValue(string? value) => value is not null && value.AsSpan().ContainsAny(Forbidden);

    /// <summary>True when <paramref name="name"/> is one of the tokens of a <c>Connection</c> header value.</summary>
    public static bool IsNamedByConnection(string? connection, string name)
    {
        if (string.IsNullOrEmpty(connection))
        {
            return false;
        }

        var rest = connection.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var token = (comma < 0 ? rest : rest[..comma]).Trim();
            if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            rest = comma < 0 ? default : rest[(comma + 1)..];
        }

        return false;
    }
}
