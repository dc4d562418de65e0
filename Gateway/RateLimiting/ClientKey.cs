using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// A rate-limit partition: the authenticated client's name, or else its address (IPv6 clients by their /64,
/// since one host usually holds a whole /64).
/// </summary>
internal readonly record struct ClientKey(string? ClientId, UInt128 Address)
{
    public static ClientKey ForClient(string clientId) => new(clientId, 0);

    public static ClientKey ForAddress(IPAddress? address)
    {
        if (address is null)
        {
            return new ClientKey(null, 0);
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return new ClientKey(null, new UInt128(0, BinaryPrimitives.ReadUInt32BigEndian(bytes)) | (UInt128.One << 127));
        }

        // IPv6: keep the network's /64, drop the interface identifier.
        return new ClientKey(null, new UInt128(BinaryPrimitives.ReadUInt64BigEndian(bytes[..written]), 0));
    }
}
