using System.Globalization;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>The layout of a generated request id: Unix milliseconds, the process tag, the sequence, in lowercase hex.</summary>
public sealed class RequestIdsTests
{
    [Fact]
    public void Create_TimeThenProcessTagThenSequence_InLowercaseHex()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var first = RequestIds.Create();
        var second = RequestIds.Create();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Matches("^[0-9a-f]{32}$", second);
        var milliseconds = long.Parse(first[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.InRange(milliseconds, before, after);
        Assert.Equal(first[12..20], second[12..20]);
        var sequence = ulong.Parse(first[20..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var next = ulong.Parse(second[20..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        // Other tests in this process may take ids in between: the sequence only moves forward.
        Assert.InRange((next - sequence) & 0xFFFF_FFFF_FFFF, 1UL, 1_000_000UL);
    }
}
