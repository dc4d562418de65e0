using System.Net;
using System.Security.Cryptography;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>Request bodies for upload tests.</summary>
internal static class Bodies
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

/// <summary>
/// Content of unknown length (sent chunked), written in pieces with an optional pause before
/// each piece after the first, to stand in for a slow client.
/// </summary>
internal sealed class PacedContent(byte[] body, int pieces, TimeSpan pause) : HttpContent
{
    public PacedContent(byte[] body)
        : this(body, 1, TimeSpan.Zero)
    {
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var size = (body.Length + pieces - 1) / Math.Max(pieces, 1);
        for (var offset = 0; offset < body.Length; offset += size)
        {
            if (offset > 0 && pause > TimeSpan.Zero)
            {
                await Task.Delay(pause); // the slowness under test, not synchronisation
            }

            await stream.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)));
            await stream.FlushAsync();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
