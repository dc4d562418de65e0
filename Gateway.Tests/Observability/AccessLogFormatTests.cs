using System.Text;
using System.Text.Json;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>The access log's line, text and JSON: the same fields as the logging template had, and no way to forge a line.</summary>
public sealed class AccessLogFormatTests
{
    private static readonly AccessLogEntry Forwarded = new(
        RequestId: "req-1",
        Method: "POST",
        Route: "/api/airtable/{**path}",
        StatusCode: 201,
        DurationMicroseconds: 9_179,
        ClientId: "default",
        Service: "airtable-gateway",
        UpstreamInstance: "http://127.0.0.1:8002",
        UpstreamMicroseconds: 6_925,
        BytesIn: 12,
        BytesOut: 78,
        RetryCount: 1);

    [Fact]
    public void Format_Text_IsOneLineInTheTemplatesWords()
    {
        Assert.Equal(
            "info: PyAirtable.Gateway.AccessLog[5001] POST /api/airtable/{**path} 201 in 9.179 ms; client default, service airtable-gateway "
            + "at http://127.0.0.1:8002 (6.925 ms), 12 bytes in, 78 bytes out, 1 retries (request req-1)\n",
            Line(Forwarded, json: false));
    }

    [Fact]
    public void Format_Json_CarriesEveryFieldTyped()
    {
        var line = Line(Forwarded, json: true);

        Assert.EndsWith("}\n", line, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal(AccessLogFormat.EventId, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal(GatewayTelemetry.AccessLogCategory, root.GetProperty("Category").GetString());
        Assert.Equal(Line(Forwarded, json: false)["info: PyAirtable.Gateway.AccessLog[5001] ".Length..^1], root.GetProperty("Message").GetString());
        var state = root.GetProperty("State");
        Assert.Equal("req-1", state.GetProperty("RequestId").GetString());
        Assert.Equal("POST", state.GetProperty("Method").GetString());
        Assert.Equal("/api/airtable/{**path}", state.GetProperty("Route").GetString());
        Assert.Equal(201, state.GetProperty("StatusCode").GetInt32());
        Assert.Equal(9.179, state.GetProperty("DurationMs").GetDouble());
        Assert.Equal("default", state.GetProperty("ClientId").GetString());
        Assert.Equal("airtable-gateway", state.GetProperty("Service").GetString());
        Assert.Equal("http://127.0.0.1:8002", state.GetProperty("UpstreamInstance").GetString());
        Assert.Equal(6.925, state.GetProperty("UpstreamMs").GetDouble());
        Assert.Equal(12, state.GetProperty("BytesIn").GetInt64());
        Assert.Equal(78, state.GetProperty("BytesOut").GetInt64());
        Assert.Equal(1, state.GetProperty("RetryCount").GetInt32());
    }

    [Theory]
    [InlineData(0, "0.000")]
    [InlineData(7, "0.007")]
    [InlineData(1_000, "1.000")]
    [InlineData(123_456_789, "123456.789")]
    [InlineData(-5, "0.000")]
    public void Format_Durations_MillisecondsWithThreeDecimals(long microseconds, string shown)
    {
        var line = Line(Forwarded with { DurationMicroseconds = microseconds }, json: false);

        Assert.Contains($" 201 in {shown} ms;", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evil\r\ninfo: PyAirtable.Gateway.AccessLog[5001] GET / 200", @"evil\x0D\x0Ainfo: PyAirtable.Gateway.AccessLog[5001] GET / 200")]
    [InlineData("quote\"back\\slash", @"quote\x22back\x5Cslash")]
    [InlineData("tab\tdel\u007Fc1\u0085", @"tab\x09del\x7Fc1\x85")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData("café 🚀", "café 🚀")]
    public void Format_TextWithHostileClient_EscapedOnOneLine(string client, string shown)
    {
        var line = Line(Forwarded with { ClientId = client }, json: false);

        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain('\r', line);
        Assert.Contains($"client {shown}, service", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evil\r\n{\"EventId\":5001}")]
    [InlineData("quote\"back\\slash\ttab\u0000nul\u007F\u0085")]
    [InlineData("line\u2028para\u2029")]
    [InlineData("café 🚀")]
    public void Format_JsonWithHostileClient_ParsesBackToTheValue(string client)
    {
        var line = Line(Forwarded with { ClientId = client, RequestId = client }, json: true);

        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\u2028', line);
        using var document = JsonDocument.Parse(line);
        var state = document.RootElement.GetProperty("State");
        Assert.Equal(client, state.GetProperty("ClientId").GetString());
        Assert.Equal(client, state.GetProperty("RequestId").GetString());
        Assert.Contains($"client {client}, service", document.RootElement.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, @"client a\uDC00b\uD800, service")]
    [InlineData(true, @"""ClientId"":""a\uDC00b\uD800""")]
    public void Format_LoneSurrogate_EscapedNotReplaced(bool json, string shown)
    {
        // Built here: attribute strings cannot carry a lone surrogate.
        var client = "a" + (char)0xDC00 + "b" + (char)0xD800;

        var line = Line(Forwarded with { ClientId = client }, json);

        Assert.Contains(shown, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Format_OverlongField_CutAtTheLimitAndWithinTheBound(bool json)
    {
        var entry = Forwarded with { ClientId = new string('\n', 10_000), UpstreamInstance = new string('é', 10_000) };

        var buffer = new byte[AccessLogFormat.MaxLength(entry)];
        var written = AccessLogFormat.Format(buffer, entry, json);

        var line = Encoding.UTF8.GetString(buffer, 0, written);
        var copies = json ? 2 : 1;
        Assert.Equal(AccessLogFormat.MaxFieldLength * copies, line.Count(c => c == 'é'));
        Assert.Equal(AccessLogFormat.MaxFieldLength * copies, line.Split(json ? @"\n" : @"\x0A").Length - 1);
        Assert.True(AccessLogFormat.MaxLength(entry) < AccessLogWriter.BlockSize);
    }

    private static string Line(in AccessLogEntry entry, bool json)
    {
        var buffer = new byte[AccessLogFormat.MaxLength(entry)];
        var written = AccessLogFormat.Format(buffer, entry, json);
        return Encoding.UTF8.GetString(buffer, 0, written);
    }
}
