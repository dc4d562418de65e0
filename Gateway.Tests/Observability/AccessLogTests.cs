using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>
/// Issue 6 "Logs" and issue 20: one access-log line per request, written by the gateway's buffered writer (here to a
/// file, <c>Gateway:Observability:AccessLog:Path</c>), switched by the level of its category, JSON with <c>LOG_FORMAT=json</c>,
/// and every line of a request that ended before shutdown written out.
/// Serial: the meter listener behind <c>/metrics</c> sees every host's gateway meter in the process, so another host's
/// writer would add its own <c>gateway_access_log_dropped_total</c> series to this host's scrape.
/// </summary>
[Collection(nameof(Functional.SerialCollection))]
public sealed class AccessLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"gateway-access-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task AccessLog_ForwardedRequest_CarriesEveryField()
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(201, """{"created":true}"""));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, AccessLogOn(json: true));

        var requestId = "log-" + Guid.NewGuid().ToString("N");
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/bases/app1/tables", json: """{"name":"t"}""");
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var line = Assert.Single(await JsonLinesAfterStopAsync(gateway));
        Assert.Equal(AccessLogFormat.EventId, line.GetProperty("EventId").GetInt32());
        Assert.Equal(GatewayTelemetry.AccessLogCategory, line.GetProperty("Category").GetString());
        Assert.Equal("Information", line.GetProperty("LogLevel").GetString());
        var state = line.GetProperty("State");
        Assert.Equal(requestId, state.GetProperty("RequestId").GetString());
        Assert.Equal("POST", state.GetProperty("Method").GetString());
        Assert.Equal("/api/airtable/{**path}", state.GetProperty("Route").GetString());
        Assert.Equal(201, state.GetProperty("StatusCode").GetInt32());
        Assert.Equal("key:default", state.GetProperty("ClientId").GetString());
        Assert.Equal("airtable-gateway", state.GetProperty("Service").GetString());
        Assert.Equal(upstream.Url, state.GetProperty("UpstreamInstance").GetString());
        Assert.Equal(12, state.GetProperty("BytesIn").GetInt64());
        Assert.Equal(16, state.GetProperty("BytesOut").GetInt64());
        Assert.Equal(0, state.GetProperty("RetryCount").GetInt32());
        var duration = state.GetProperty("DurationMs").GetDouble();
        var upstreamTime = state.GetProperty("UpstreamMs").GetDouble();
        Assert.True(duration > 0);
        Assert.True(upstreamTime > 0);
        Assert.True(upstreamTime <= duration);
        Assert.Contains(requestId, line.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayHost.ApiKey, File.ReadAllText(_path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessLog_RetriedOnAnotherInstance_CountsTheRetry()
    {
        // One instance answers 503 (its health probe stays green so it stays in rotation), the other 200.
        await using var failing = await FakeUpstream.StartAsync((context, request) => request.RawTarget == "/health"
            ? FakeUpstream.WriteAsync(context, 200, """{"status":"ok"}"""u8.ToArray(), "application/json")
            : FakeUpstream.WriteAsync(context, 503, """{"error":"busy"}"""u8.ToArray(), "application/json"));
        await using var working = await FakeUpstream.StartAsync();
        var overrides = AccessLogOn(json: true);
        overrides["AIRTABLE_GATEWAY_URL"] = $"{failing.Url},{working.Url}";
        await using var gateway = await GatewayHost.StartAsync(working, working, working, overrides);

        // The balancer picks the failing instance first about half the time: ten requests all but surely retry once.
        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.GetAsync("/api/airtable/records");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var services = await gateway.GetAsync("/_gateway/services");
        using var json = JsonDocument.Parse(await services.Content.ReadAsStringAsync());
        var airtable = json.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "airtable-gateway");
        var retries = airtable.GetProperty("retries").GetInt64();
        Assert.True(retries >= 1);

        var forwarded = (await JsonLinesAfterStopAsync(gateway)).Select(l => l.GetProperty("State"))
            .Where(s => s.GetProperty("Route").GetString() == "/api/airtable/{**path}").ToList();
        Assert.Equal(10, forwarded.Count);
        Assert.Equal(retries, forwarded.Sum(s => s.GetProperty("RetryCount").GetInt32()));
        var retried = forwarded.First(s => s.GetProperty("RetryCount").GetInt32() > 0);
        Assert.Equal(1, retried.GetProperty("RetryCount").GetInt32());
        Assert.Equal(working.Url, retried.GetProperty("UpstreamInstance").GetString());
    }

    [Fact]
    public async Task AccessLog_RejectedRequest_LoggedWithoutClientOrService()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: AccessLogOn(json: true));

        using var response = await gateway.GetAsync("/api/tools", withKey: false);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var state = Assert.Single(await JsonLinesAfterStopAsync(gateway)).GetProperty("State");
        Assert.Equal(401, state.GetProperty("StatusCode").GetInt32());
        Assert.Equal("/api/tools", state.GetProperty("Route").GetString());
        Assert.Equal("-", state.GetProperty("ClientId").GetString());
        Assert.Equal("-", state.GetProperty("Service").GetString());
        Assert.Equal("-", state.GetProperty("UpstreamInstance").GetString());
    }

    [Fact]
    public async Task AccessLog_HostileRequestId_CannotForgeALine()
    {
        // A request id outside the allowed characters is replaced; the method is a token; neither can carry CR or LF.
        await using var gateway = await GatewayHost.StartAsync(overrides: AccessLogOn(json: false));

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools", withKey: false);
        request.Headers.TryAddWithoutValidation("X-Request-ID", "x\"y\\z");
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var line = Assert.Single(await TextLinesAfterStopAsync(gateway));
        Assert.StartsWith("info: PyAirtable.Gateway.AccessLog[5001] GET /api/tools 401 in ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("x\"y", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Information", 1)]
    [InlineData("Warning", 0)]
    [InlineData("None", 0)]
    public async Task AccessLog_LevelPerCategory_SwitchesItOnAndOff(string level, int lines)
    {
        var overrides = AccessLogOn(json: false);
        overrides["Logging:LogLevel:Default"] = "Information";
        overrides["Logging:LogLevel:" + GatewayTelemetry.AccessLogCategory] = level;
        await using var gateway = await GatewayHost.StartAsync(overrides: overrides);

        using var response = await gateway.GetAsync("/api/tools", withKey: false);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var written = await TextLinesAfterStopAsync(gateway);
        Assert.Equal(lines, written.Length);
        Assert.All(written, l => Assert.StartsWith("info: PyAirtable.Gateway.AccessLog[5001] GET /api/tools 401 in ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccessLog_RequestInFlightAtShutdown_WrittenBeforeTheGatewayStops()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await FakeUpstream.StartAsync(async (context, request) =>
        {
            arrived.TrySetResult();
            await answer.Task.WithTimeout();
            await FakeUpstream.WriteAsync(context, 200, """{"late":true}"""u8.ToArray(), "application/json");
        });
        var overrides = AccessLogOn(json: true);
        overrides["Gateway:Observability:AccessLog:FlushIntervalMilliseconds"] = "60000";
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, overrides);

        var pending = gateway.GetAsync("/api/airtable/slow");
        await arrived.Task.WithTimeout();
        var stopping = gateway.App.StopAsync();
        answer.SetResult();
        using (var response = await pending)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await stopping.WithTimeout();
        var state = Assert.Single(JsonLines()).GetProperty("State");
        Assert.Equal(200, state.GetProperty("StatusCode").GetInt32());
        Assert.Equal(13, state.GetProperty("BytesOut").GetInt64());
    }

    [Fact]
    public async Task AccessLog_LinesDropped_CountedInMetrics()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: AccessLogOn(json: false));
        var writer = gateway.App.Services.GetRequiredService<AccessLogWriter>();

        // A writer that has ended takes no more lines: each one is dropped and counted.
        await writer.StopAsync(CancellationToken.None).WithTimeout();
        for (var i = 0; i < 3; i++)
        {
            using var rejected = await gateway.GetAsync("/api/tools", withKey: false);
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        }

        // A request's line is written just after its response, so the count may lag the client by a moment.
        var text = await Functional.MetricsTests.ScrapeUntilAsync(gateway, text =>
            PrometheusText.Parse(text).Find("gateway_access_log_dropped_total").Any(s => s.Value >= 3));
        Assert.True(PrometheusText.Parse(text).Value("gateway_access_log_dropped_total") <= writer.Dropped);
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
        Assert.True(gateway.App.Services.GetRequiredService<AccessLogWriter>().Json);
    }

    private Dictionary<string, string?> AccessLogOn(bool json) => new()
    {
        ["Logging:LogLevel:" + GatewayTelemetry.AccessLogCategory] = "Information",
        ["Gateway:Observability:AccessLog:Path"] = _path,
        ["LOG_FORMAT"] = json ? "json" : null,
    };

    /// <summary>Stopping the gateway writes every buffered line, so the file is complete afterwards.</summary>
    private async Task<string[]> TextLinesAfterStopAsync(GatewayHost gateway)
    {
        await gateway.App.StopAsync().WithTimeout();
        return File.Exists(_path) ? File.ReadAllLines(_path) : [];
    }

    private async Task<List<JsonElement>> JsonLinesAfterStopAsync(GatewayHost gateway)
    {
        await gateway.App.StopAsync().WithTimeout();
        return JsonLines();
    }

    private List<JsonElement> JsonLines() => File.ReadAllLines(_path).Select(l =>
    {
        using var document = JsonDocument.Parse(l);
        return document.RootElement.Clone();
    }).ToList();
}
