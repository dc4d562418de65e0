using System.Security.Cryptography;
using System.Text;

namespace PyAirtable.Gateway.Tunnel;

/// <summary>The parts of the RFC 6455 opening handshake the gateway checks: the key, the version and the accept value.</summary>
internal static class WebSocketHandshake
{
    public const string Protocol = "websocket";

    public const string Version = "13";

    public const string KeyHeader = "Sec-WebSocket-Key";

    public const string AcceptHeader = "Sec-WebSocket-Accept";

    public const string VersionHeader = "Sec-WebSocket-Version";

    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>True when <paramref name="key"/> is base64 of 16 bytes (RFC 6455 §4.1), 24 characters.</summary>
    public static bool IsValidKey(string? key)
    {
        if (key is null || key.Length != 24)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    /// <summary>A fresh key for a handshake the gateway makes itself (an RFC 8441 client sends none).</summary>
    public static string NewKey()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value a server must answer to <paramref name="key"/>.</summary>
    public static string Accept(string key)
    {
        Span<byte> input = stackalloc byte[key.Length + Guid.Length];
        var written = Encoding.ASCII.GetBytes(key, input);
        written += Encoding.ASCII.GetBytes(Guid, input[written..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // RFC 6455 §4.2.2 defines the accept value with SHA-1; it proves a WebSocket server answered, not secrecy
        SHA1.HashData(input[..written], hash);
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }

    /// <summary>True when <paramref name="value"/> (a header value) is the single token <c>websocket</c>, any case.</summary>
    public static bool IsWebSocketToken(string? value) =>
        value is not null && value.AsSpan().Trim().Equals(Protocol, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the <c>Upgrade</c> header asks for <c>h2c</c> (HTTP/2 over cleartext, RFC 7540 §3.2), which the gateway never does.</summary>
    public static bool IsH2c(string? value)
    {
        if (value is null)
        {
            return false;
        }

        foreach (var range in value.AsSpan().Split(','))
        {
            if (value.AsSpan()[range].Trim().Equals("h2c", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
