using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>Issue 6 "Logs": one structured access-log line per request, its level per category, JSON console by configuration.</summary>
public sealed class AccessLogTests
{
    private static readonly Dictionary<string, string?> AccessLogOn = new()
    {
        ["Logging:LogLevel:" + GatewayTelemetry.AccessLogCategory] = "Information",
    };

    [Fact]
    public async Task AccessLog_ForwardedRequest_CarriesEveryField()
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(201, """{"created":true}"""));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, AccessLogOn);
        var logs = CapturingLoggerProvider.AttachTo(gateway);

        var requestId = "log-" + Guid.NewGuid().ToString("N");
        var line = logs.WaitForAsync(e => e.EventId.Id == 5001 && Equals(e["RequestId"], requestId));
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/bases/app1/tables", json: """{"name":"t"}""");
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var entry = await line;
        Assert.Equal(GatewayTelemetry.AccessLogCategory, entry.Category);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("POST", entry["Method"]);
        Assert.Equal("/api/airtable/{**path}", entry["Route"]);
        Assert.Equal(201, entry["StatusCode"]);
        Assert.Equal("key:default", entry["ClientId"]);
        Assert.Equal("airtable-gateway", entry["Service"]);
        Assert.Equal(upstream.Url, entry["UpstreamInstance"]);
        Assert.Equal(12L, entry["BytesIn"]);
        Assert.Equal(16L, entry["BytesOut"]);
        Assert.Equal(0, entry["RetryCount"]);
        Assert.True((double)entry["DurationMs"]! > 0);
        Assert.True((double)entry["UpstreamMs"]! > 0);
        Assert.True((double)entry["UpstreamMs"]! <= (double)entry["DurationMs"]!);
        Assert.Contains(requestId, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayHost.ApiKey, entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessLog_RetriedOnAnotherInstance_CountsTheRetry()
    {
        // One instance answers 503 (its health probe stays green so it stays in rotation), the other 200.
        await using var failing = await FakeUpstream.StartAsync((context, request) => request.RawTarget == "/health"
            ? FakeUpstream.WriteAsync(context, 200, """{"status":"ok"}"""u8.ToArray(), "application/json")
            : FakeUpstream.WriteAsync(context, 503, """{"error":"busy"}"""u8.ToArray(), "application/json"));
        await using var working = await FakeUpstream.StartAsync();
        var overrides = new Dictionary<string, string?>(AccessLogOn)
        {
            ["AIRTABLE_GATEWAY_URL"] = $"{failing.Url},{working.Url}",
        };
        await using var gateway = await GatewayHost.StartAsync(working, working, working, overrides);
        var logs = CapturingLoggerProvider.AttachTo(gateway);

        CapturingLoggerProvider.Entry? retried = null;
        for (var i = 0; i < 10 && retried is null; i++)
        {
            var requestId = $"retry-{i}-" + Guid.NewGuid().ToString("N");
            var line = logs.WaitForAsync(e => e.EventId.Id == 5001 && Equals(e["RequestId"], requestId));
            using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/records");
            request.Headers.Add("X-Request-ID", requestId);
            using var response = await gateway.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var entry = await line;
            if ((int)entry["RetryCount"]! > 0)
            {
                retried = entry;
            }
        }

        Assert.NotNull(retried);
        Assert.Equal(1, retried["RetryCount"]);
        Assert.Equal(working.Url, retried["UpstreamInstance"]);
        using var services = await gateway.GetAsync("/_gateway/services");
        using var json = System.Text.Json.JsonDocument.Parse(await services.Content.ReadAsStringAsync());
        var airtable = json.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "airtable-gateway");
        Assert.True(airtable.GetProperty("retries").GetInt64() >= 1);
        Assert.Equal(2, airtable.GetProperty("instances").GetArrayLength());
    }

    [Fact]
    public async Task AccessLog_RejectedRequest_LoggedWithoutClientOrService()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: AccessLogOn);
        var logs = CapturingLoggerProvider.AttachTo(gateway);

        var requestId = "log-" + Guid.NewGuid().ToString("N");
        var line = logs.WaitForAsync(e => e.EventId.Id == 5001 && Equals(e["RequestId"], requestId));
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var entry = await line;
        Assert.Equal(401, entry["StatusCode"]);
        Assert.Equal("/api/tools", entry["Route"]);
        Assert.Equal("-", entry["ClientId"]);
        Assert.Equal("-", entry["Service"]);
    }

    [Theory]
    [InlineData("Information", true)]
    [InlineData("Warning", false)]
    public async Task AccessLog_LevelPerCategory_SwitchesItOnAndOff(string level, bool enabled)
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:" + GatewayTelemetry.AccessLogCategory] = level,
        });

        var logger = gateway.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger(GatewayTelemetry.AccessLogCategory);

        Assert.Equal(enabled, logger.IsEnabled(LogLevel.Information));
    }

    [Theory]
    [InlineData("Logging:Console:FormatterName", "json")]
    [InlineData("LOG_FORMAT", "json")]
    public async Task ConsoleFormat_FromConfiguration_IsJson(string setting, string value)
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?> { [setting] = value });

        var console = gateway.App.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(ConsoleFormatterNames.Json, console.FormatterName);
        Assert.Contains(gateway.App.Services.GetServices<ConsoleFormatter>(), f => f.Name == ConsoleFormatterNames.Json);
    }
}
