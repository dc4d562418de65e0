using System.Net;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// The client's address: the direct peer, unless the peer is a configured trusted proxy, in which case the
/// right-most <c>X-Forwarded-For</c> entry that is not itself a trusted proxy. A header from anyone else is ignored.
/// </summary>
internal sealed class ClientAddress
{
    private readonly IPNetwork[] _trusted;

    public ClientAddress(IOptions<RateLimitOptions> options)
    {
        _trusted = Array.ConvertAll(options.Value.TrustedProxies, static s =>
            IPNetwork.TryParse(s, out var network) ? network : new IPNetwork(IPAddress.Parse(s), IPAddress.Parse(s).GetAddressBytes().Length * 8));
    }

    public IPAddress? Resolve(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (_trusted.Length == 0 || peer is null || !IsTrusted(peer))
        {
            return peer;
        }

        var header = context.Request.Headers["X-Forwarded-For"].ToString();
        var rest = header.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.LastIndexOf(',');
            var entry = (comma < 0 ? rest : rest[(comma + 1)..]).Trim();
            rest = comma < 0 ? default : rest[..comma];
            if (!IPAddress.TryParse(entry, out var address))
            {
                return peer;
            }

            if (!IsTrusted(address))
            {
                return address;
            }
        }

        return peer;
    }

    private bool IsTrusted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
