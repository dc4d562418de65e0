using System.Buffers;

namespace PyAirtable.Gateway.Observability;

/// <summary>Request ids: a client's value of 1–128 characters of <c>[A-Za-z0-9._:-]</c> is kept, anything else replaced.</summary>
internal static class RequestIds
{
    public const int MaxLength = 128;

    private const string HexDigits = "0123456789abcdef";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    public static bool IsValid(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= MaxLength && !value.ContainsAnyExcept(Allowed);

    private static readonly uint ProcessTag = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);
    private static long _sequence = System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <summary>
    /// A new id: 32 lowercase hex digits — 12 of Unix milliseconds, 8 of a random per-process tag, 12 of a per-process
    /// sequence — so ids sort by time in logs, never repeat within a process and almost never across processes,
    /// and cost no random-number syscall per request.
    /// </summary>
    public static string Create()
    {
        var state = (Milliseconds: (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Sequence: (ulong)Interlocked.Increment(ref _sequence));
        return string.Create(32, state, static (span, s) =>
        {
            WriteHex(span[..12], s.Milliseconds);
            WriteHex(span.Slice(12, 8), ProcessTag);
            WriteHex(span[20..], s.Sequence);
        });
    }

    /// <summary>The low <c>4 × destination.Length</c> bits of <paramref name="value"/> as lowercase hex digits, zero-padded.</summary>
    private static void WriteHex(Span<char> destination, ulong value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = HexDigits[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}
