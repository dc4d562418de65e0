using System.IO.Hashing;
using System.Net;
using System.Runtime.InteropServices;
using PyAirtable.Gateway.Auth;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// A route's traffic split: requests carrying <see cref="Header"/> (with <see cref="HeaderValue"/>, when one is
/// configured) go to <see cref="Service"/>; so does <see cref="Percent"/> % of the clients, chosen by a stable hash of
/// the client's identity (its client id, or its address when the route needs no credentials), so a client stays on
/// one side for as long as the percentage does not change.
/// </summary>
internal sealed class CanarySplit
{
    /// <summary>Buckets of the hash: the percentage's resolution is 0.01 %.</summary>
    public const int Buckets = 10_000;

    private readonly int _threshold;

    public CanarySplit(UpstreamService service, string serviceName, double percent, string? header, string? headerValue)
    {
        Service = service;
        ServiceName = serviceName;
        Percent = percent;
        Header = header;
        HeaderValue = headerValue;
        _threshold = (int)Math.Round(percent * (Buckets / 100));
    }

    public UpstreamService Service { get; }

    /// <summary>The service's configuration name.</summary>
    public string ServiceName { get; }

    public double Percent { get; }

    public string? Header { get; }

    public string? HeaderValue { get; }

    /// <summary>The service this request goes to: the canary's or <paramref name="primary"/>.</summary>
    public UpstreamService Choose(HttpContext context, UpstreamService primary)
    {
        if (Header is not null && context.Request.Headers.TryGetValue(Header, out var values)
            && (HeaderValue is null || string.Equals(values.ToString(), HeaderValue, StringComparison.Ordinal)))
        {
            return Service;
        }

        return _threshold > 0 && Bucket(context) < _threshold ? Service : primary;
    }

    /// <summary>The request's bucket, 0 to <see cref="Buckets"/> - 1: from the client id, else the client address.</summary>
    public static int Bucket(HttpContext context)
    {
        if (context.Features.Get<ClientIdentity>() is { } identity)
        {
            return Bucket(identity.ClientId);
        }

        Span<byte> address = stackalloc byte[16];
        return context.Connection.RemoteIpAddress is { } ip && ip.TryWriteBytes(address, out var length)
            ? (int)(XxHash32.HashToUInt32(address[..length]) % Buckets)
            : 0;
    }

    /// <summary>The bucket of a client id (XxHash32 over its UTF-16 code units: stable across processes and replicas).</summary>
    public static int Bucket(string clientId) =>
        (int)(XxHash32.HashToUInt32(MemoryMarshal.AsBytes(clientId.AsSpan())) % Buckets);

    /// <summary>The bucket of an address.</summary>
    public static int Bucket(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out var length) ? (int)(XxHash32.HashToUInt32(bytes[..length]) % Buckets) : 0;
    }
}
