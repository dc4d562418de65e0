using System.Buffers;

namespace PyAirtable.Gateway.Observability;

/// <summary>Request ids: a client's value of 1–128 characters of <c>[A-Za-z0-9._:-]</c> is kept, anything else replaced.</summary>
internal static class RequestIds
{
    public const int MaxLength = 128;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    public static bool IsValid(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= MaxLength && !value.ContainsAnyExcept(Allowed);

    /// <summary>A new id: 32 lowercase hex digits of a time-ordered UUID (version 7), so ids sort by time in logs.</summary>
    public static string Create() => Guid.CreateVersion7().ToString("N");
}
