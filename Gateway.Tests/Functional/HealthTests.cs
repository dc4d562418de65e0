using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Aggregated health": status rules, JSON shape, concurrent probes, per-probe timeout, shared rounds.</summary>
public sealed class HealthTests
{
    private static readonly string[] ServiceNames = ["airtable-gateway", "mcp-server", "llm-orchestrator"];

    [Fact]
    public async Task AllServicesHealthy_Returns200Healthy()
    {
        await using var airtable = await FakeUpstream.StartAsync(Health(200, TimeSpan.FromMilliseconds(200)));
        await using var mcp = await FakeUpstream.StartAsync(Health(200));
        await using var llm = await FakeUpstream.StartAsync(Health(200));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp);

        using var response = await gateway.GetAsync("/api/health", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = await ReadJsonAsync(response);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Equal("healthy", json.GetProperty("gateway").GetString());
        AssertTimestampIsNow(json);
        var services = ServicesByName(json);
        Assert.Equal(ServiceNames.Order(), services.Keys.Order());
        Assert.Equal(airtable.Url, services["airtable-gateway"].GetProperty("url").GetString());
        Assert.Equal(mcp.Url, services["mcp-server"].GetProperty("url").GetString());
        Assert.Equal(llm.Url, services["llm-orchestrator"].GetProperty("url").GetString());
        foreach (var service in services.Values)
        {
            Assert.Equal("healthy", service.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Number, service.GetProperty("response_time").ValueKind);
        }

        // response_time is in seconds: the 200 ms probe reads about 0.2, not 200.
        Assert.InRange(services["airtable-gateway"].GetProperty("response_time").GetDouble(), 0.15, 5.0);
        Assert.InRange(services["mcp-server"].GetProperty("response_time").GetDouble(), 0.0, 1.0);
        foreach (var upstream in new[] { airtable, mcp, llm })
        {
            Assert.Contains(upstream.Requests, r => r.Method == "GET" && r.RawTarget == "/health");
        }
    }

    [Fact]
    public async Task SomeServicesDown_Returns200Degraded()
    {
        await using var airtable = await FakeUpstream.StartAsync(Health(200));
        await using var llm = await FakeUpstream.StartAsync(Health(500));
        var mcpUrl = Ports.RefusingUrl();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, llm.Url, mcpUrl);

        using var response = await gateway.GetAsync("/api/health", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ReadJsonAsync(response);
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        Assert.Equal("healthy", json.GetProperty("gateway").GetString());
        var services = ServicesByName(json);
        Assert.Equal("healthy", services["airtable-gateway"].GetProperty("status").GetString());
        Assert.Equal("unhealthy", services["llm-orchestrator"].GetProperty("status").GetString());
        Assert.Equal("HTTP 500", services["llm-orchestrator"].GetProperty("error").GetString());
        Assert.Equal("unreachable", services["mcp-server"].GetProperty("status").GetString());
        Assert.Equal(mcpUrl, services["mcp-server"].GetProperty("url").GetString());
        Assert.False(string.IsNullOrWhiteSpace(services["mcp-server"].GetProperty("error").GetString()));
    }

    [Fact]
    public async Task NoServiceHealthy_Returns503Unhealthy()
    {
        await using var llm = await FakeUpstream.StartAsync(Health(503));
        await using var gateway = await GatewayHost.StartAtAsync(null, llm.Url, null);

        using var response = await gateway.GetAsync("/api/health", withKey: false);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var json = await ReadJsonAsync(response);
        Assert.Equal("unhealthy", json.GetProperty("status").GetString());
        Assert.Equal("healthy", json.GetProperty("gateway").GetString());
        var services = ServicesByName(json);
        Assert.Equal("unreachable", services["airtable-gateway"].GetProperty("status").GetString());
        Assert.Equal("unreachable", services["mcp-server"].GetProperty("status").GetString());
        Assert.Equal("unhealthy", services["llm-orchestrator"].GetProperty("status").GetString());
        Assert.Equal("HTTP 503", services["llm-orchestrator"].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Probes_RunConcurrently()
    {
        var delay = TimeSpan.FromSeconds(2);
        await using var airtable = await FakeUpstream.StartAsync(Health(200, delay));
        await using var mcp = await FakeUpstream.StartAsync(Health(200, delay));
        await using var llm = await FakeUpstream.StartAsync(Health(200, delay));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp,
            new Dictionary<string, string?> { ["HEALTH_CHECK_TIMEOUT"] = "5" });

        var stopwatch = Stopwatch.StartNew();
        using var response = await gateway.GetAsync("/api/health", withKey: false);
        stopwatch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (await ReadJsonAsync(response)).GetProperty("status").GetString());
        // Sequential probes would take 6 s; concurrent ones about 2 s.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4.5), $"health took {stopwatch.Elapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task ProbeSlowerThanTimeout_ReportedNotHealthyWithinTimeout()
    {
        await using var airtable = await FakeUpstream.StartAsync(Health(200));
        await using var llm = await FakeUpstream.StartAsync(Health(200));
        await using var mcp = await FakeUpstream.StartAsync();
        mcp.Handler = mcp.NeverAnswer();
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp,
            new Dictionary<string, string?> { ["HEALTH_CHECK_TIMEOUT"] = "1" });

        var stopwatch = Stopwatch.StartNew();
        using var response = await gateway.GetAsync("/api/health", withKey: false);
        stopwatch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ReadJsonAsync(response);
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        var mcpService = ServicesByName(json)["mcp-server"];
        Assert.NotEqual("healthy", mcpService.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(mcpService.GetProperty("error").GetString()));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4.5));
    }

    [Fact]
    public async Task ConcurrentCallers_ShareOneProbeRound()
    {
        var delay = TimeSpan.FromSeconds(1);
        await using var airtable = await FakeUpstream.StartAsync(Health(200, delay));
        await using var mcp = await FakeUpstream.StartAsync(Health(200, delay));
        await using var llm = await FakeUpstream.StartAsync(Health(200, delay));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp,
            new Dictionary<string, string?> { ["HEALTH_CHECK_TIMEOUT"] = "5" });

        var calls = Enumerable.Range(0, 8).Select(_ => gateway.GetAsync("/api/health", withKey: false)).ToArray();
        var responses = await Task.WhenAll(calls);

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        foreach (var upstream in new[] { airtable, mcp, llm })
        {
            Assert.Equal(1, upstream.Requests.Count(r => r.RawTarget == "/health"));
        }
    }

    [Fact]
    public async Task Answer_NeverFromARoundOlderThanTwoSeconds()
    {
        var llmStatus = 200;
        await using var airtable = await FakeUpstream.StartAsync(Health(200));
        await using var mcp = await FakeUpstream.StartAsync(Health(200));
        await using var llm = await FakeUpstream.StartAsync((context, record) => Health(Volatile.Read(ref llmStatus))(context, record));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp);

        using (var before = await gateway.GetAsync("/api/health", withKey: false))
        {
            Assert.Equal("healthy", (await ReadJsonAsync(before)).GetProperty("status").GetString());
        }

        Volatile.Write(ref llmStatus, 500);
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // let any cached round age past the contract's 2 s

        using var after = await gateway.GetAsync("/api/health", withKey: false);
        var json = await ReadJsonAsync(after);
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        Assert.Equal("unhealthy", ServicesByName(json)["llm-orchestrator"].GetProperty("status").GetString());
    }

    private static Func<HttpContext, RecordedRequest, Task> Health(int status, TimeSpan delay = default) =>
        async (context, record) =>
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted); // the probe's slowness under test
            }

            await FakeUpstream.Respond(status, status == 200 ? """{"status":"healthy"}""" : """{"status":"down"}""")(context, record);
        };

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static Dictionary<string, JsonElement> ServicesByName(JsonElement json)
    {
        var services = json.GetProperty("services");
        Assert.Equal(JsonValueKind.Array, services.ValueKind);
        Assert.Equal(3, services.GetArrayLength());
        return services.EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
    }

    private static void AssertTimestampIsNow(JsonElement json)
    {
        var text = json.GetProperty("timestamp").GetString()!;
        Assert.True(text.EndsWith('Z') || text.EndsWith("+00:00", StringComparison.Ordinal), text);
        var timestamp = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }
}
