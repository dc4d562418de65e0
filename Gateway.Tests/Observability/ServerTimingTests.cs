using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>Issue 6 "Overhead attribution": a Server-Timing header on every response splits gateway time from upstream time.</summary>
public sealed partial class ServerTimingTests
{
    [Fact]
    public async Task ServerTiming_ProxiedResponse_SplitsGatewayAndUpstreamTime()
    {
        await using var upstream = await FakeUpstream.StartAsync(async (context, _) =>
        {
            // A slow upstream, so the split is visible: the wait belongs to the upstream, not the gateway.
            await Task.Delay(150, context.RequestAborted);
            await FakeUpstream.WriteAsync(context, 200, """{"ok":true}"""u8.ToArray(), "application/json");
        });
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync("/api/airtable/slow");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var timing = Parse(response);
        Assert.True(timing["upstream"] >= 140, $"upstream {timing["upstream"]} ms");
        Assert.True(timing["gateway"] < timing["upstream"], $"gateway {timing["gateway"]} ms, upstream {timing["upstream"]} ms");
    }

    [Fact]
    public async Task ServerTiming_UpstreamSendsItsOwn_BothKept()
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, "{}", headers: ("Server-Timing", "db;dur=3.5")));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync("/api/tools");

        var values = string.Join(", ", response.Headers.GetValues("Server-Timing"));
        Assert.Contains("db;dur=3.5", values, StringComparison.Ordinal);
        Assert.Contains("upstream;dur=", values, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/nowhere", HttpStatusCode.NotFound, true)]
    [InlineData("/api/tools", HttpStatusCode.Unauthorized, false)]
    [InlineData("/livez", HttpStatusCode.OK, true)]
    public async Task ServerTiming_GatewayOwnResponse_GatewayTimeOnly(string path, HttpStatusCode status, bool withKey)
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync(path, withKey);

        Assert.Equal(status, response.StatusCode);
        var timing = Parse(response);
        Assert.True(timing.ContainsKey("gateway"));
        Assert.False(timing.ContainsKey("upstream"));
    }

    [Fact]
    public async Task ServerTiming_SwitchedOff_Absent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Observability:ServerTiming"] = "false",
        });

        using var response = await gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Server-Timing"));
    }

    [Theory]
    [InlineData(0L, "0.000")]
    [InlineData(1L, "0.001")]
    [InlineData(10L, "0.010")]
    [InlineData(999L, "0.999")]
    [InlineData(1_000L, "1.000")]
    [InlineData(52_050L, "52.050")]
    [InlineData(1_234_567L, "1234.567")]
    [InlineData(long.MaxValue, "9223372036854775.807")]
    public void FormatMilliseconds_ThreeDecimals(long microseconds, string expected)
    {
        Span<char> buffer = stackalloc char[24];

        var written = RequestTelemetry.FormatMilliseconds(buffer, microseconds);

        Assert.Equal(expected, buffer[..written].ToString());
    }

    [Fact]
    public void FormatMilliseconds_WritesWhatF3Writes()
    {
        Span<char> buffer = stackalloc char[24];
        for (var microseconds = 0L; microseconds < 3_000_000; microseconds += 997)
        {
            var written = RequestTelemetry.FormatMilliseconds(buffer, microseconds);

            Assert.Equal((microseconds / 1000.0).ToString("F3", CultureInfo.InvariantCulture), buffer[..written].ToString());
        }
    }

    private static Dictionary<string, double> Parse(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Server-Timing", out var values), "no Server-Timing header");
        var timing = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match metric in Metric().Matches(string.Join(", ", values)))
        {
            Assert.Matches(@"^[0-9]+\.[0-9]{3}$", metric.Groups["dur"].Value);
            timing[metric.Groups["name"].Value] = double.Parse(metric.Groups["dur"].Value, CultureInfo.InvariantCulture);
        }

        return timing;
    }

    [GeneratedRegex(@"(?<name>[A-Za-z0-9_-]+);dur=(?<dur>[0-9.]+)")]
    private static partial Regex Metric();
}
