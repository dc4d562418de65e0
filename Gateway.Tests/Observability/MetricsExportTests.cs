using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Functional;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>
/// Issue 6 "Metrics": /metrics after traffic, parsed, with the expected series and exactly the expected label sets.
/// Serial: OpenTelemetry listens to meters by name, so gateways running side by side in one test process would add
/// to each other's counts.
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class MetricsExportTests
{
    [Fact]
    public async Task Metrics_AfterMixedTraffic_ExposeUpstreamStreamingOverheadAndRejectionSeries()
    {
        var unique = "id" + Guid.NewGuid().ToString("N");
        await using var upstream = await FakeUpstream.StartAsync(UpstreamHandler);
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["CHAT_RATE_LIMIT_PER_MINUTE"] = "1",
        });

        await ExpectAsync(gateway, HttpMethod.Get, $"/api/airtable/ok/{unique}", HttpStatusCode.OK);
        await ExpectAsync(gateway, HttpMethod.Get, "/api/airtable/stream", HttpStatusCode.OK);
        await ExpectAsync(gateway, HttpMethod.Get, "/api/airtable/fail", HttpStatusCode.InternalServerError);
        await ExpectAsync(gateway, HttpMethod.Post, "/api/chat", HttpStatusCode.OK, """{"message":"hi"}""");
        await ExpectAsync(gateway, HttpMethod.Post, "/api/chat", HttpStatusCode.TooManyRequests, """{"message":"hi"}""");

        var metrics = PrometheusText.Parse(await MetricsTests.ScrapeUntilAsync(gateway, text =>
        {
            var parsed = PrometheusText.Parse(text);
            return parsed.Has("gateway_rate_limit_rejections_total", ("endpoint", "/api/chat"))
                && parsed.Has("gateway_stream_duration_seconds_count", ("service", "airtable-gateway"))
                && parsed.Find("gateway_overhead_seconds_count", ("endpoint", "/api/airtable/{**path}")).Sum(s => s.Value) >= 3;
        }));

        // The contract's series keep exactly their labels.
        Assert.All(metrics.Find("gateway_requests_total"), s => Assert.Equal(["endpoint", "method", "status"], s.LabelNames));
        Assert.Equal(1, metrics.Value("gateway_requests_total", ("method", "GET"), ("endpoint", "/api/airtable/{**path}"), ("status", "500")));

        // Upstream time per service and outcome.
        Assert.All(metrics.Find("gateway_upstream_request_duration_seconds_count"), s => Assert.Equal(["outcome", "service"], s.LabelNames));
        Assert.Equal(2, metrics.Value("gateway_upstream_request_duration_seconds_count", ("service", "airtable-gateway"), ("outcome", "2xx")));
        Assert.Equal(1, metrics.Value("gateway_upstream_request_duration_seconds_count", ("service", "airtable-gateway"), ("outcome", "5xx")));
        Assert.Equal(1, metrics.Value("gateway_upstream_request_duration_seconds_count", ("service", "llm-orchestrator"), ("outcome", "2xx")));

        // Retries (none yet) and circuit state for every service, so dashboards see the series before anything happens.
        foreach (var service in new[] { "airtable-gateway", "mcp-server", "llm-orchestrator" })
        {
            Assert.Equal(0, metrics.Value("gateway_upstream_retries_total", ("service", service)));
            Assert.Equal(0, metrics.Value("gateway_circuit_state", ("service", service), ("instance", upstream.Url)));
        }

        // Rate-limit rejections by route template; streamed responses; gateway-only time.
        Assert.Equal(1, metrics.Value("gateway_rate_limit_rejections_total", ("endpoint", "/api/chat")));
        Assert.Equal(1, metrics.Value("gateway_stream_time_to_first_byte_seconds_count", ("service", "airtable-gateway")));
        Assert.Equal(1, metrics.Value("gateway_stream_duration_seconds_count", ("service", "airtable-gateway")));
        Assert.True(metrics.Has("gateway_overhead_seconds_bucket", ("endpoint", "/api/airtable/{**path}"), ("le", "0.001")), metrics.Text);

        // The framework's meters: Kestrel and the runtime; hosting's and HttpClient's only when named (they cost on every request).
        Assert.True(metrics.Has("kestrel_active_connections"), metrics.Text);
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("http_server_", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("http_client_", StringComparison.Ordinal));
        Assert.Contains(metrics.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));

        // Bounded cardinality: no raw path or id anywhere.
        Assert.DoesNotContain(unique, metrics.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_StandardMetersOff_OnlyGatewaySeries()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Observability:StandardMeters"] = "false",
        });

        await ExpectAsync(gateway, HttpMethod.Get, "/api/airtable/x", HttpStatusCode.OK);
        var metrics = PrometheusText.Parse(await MetricsTests.ScrapeUntilAsync(gateway, text =>
            PrometheusText.Parse(text).Has("gateway_requests_total", ("endpoint", "/api/airtable/{**path}"))));

        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("http_server_", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("kestrel_", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("dotnet_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_HostingAndHttpClientMetersNamed_TheirSeriesExported()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Observability:StandardMeterNames"] = "Microsoft.AspNetCore.Hosting,System.Net.Http",
        });

        await ExpectAsync(gateway, HttpMethod.Get, "/api/airtable/x", HttpStatusCode.OK);
        var metrics = PrometheusText.Parse(await MetricsTests.ScrapeUntilAsync(gateway, text =>
            PrometheusText.Parse(text).Has("http_client_request_duration_seconds_count")
            && PrometheusText.Parse(text).Has("http_server_request_duration_seconds_count", ("http_route", "/api/airtable/{**path}"))));

        Assert.True(metrics.Has("http_client_request_duration_seconds_count"), metrics.Text);
        Assert.True(metrics.Has("http_server_request_duration_seconds_count", ("http_route", "/api/airtable/{**path}")), metrics.Text);
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("kestrel_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CircuitState_AfterConsecutiveFailures_ShowsOpenInMetricsAndServices()
    {
        // Circuits are per instance (scheme, host and port): the healthy services get their own upstream.
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(500, """{"error":"down"}"""));
        await using var healthy = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, healthy, healthy, new Dictionary<string, string?>
        {
            ["Gateway:CircuitBreaker:FailureThreshold"] = "2",
        });

        var opened = false;
        for (var i = 0; i < 10 && !opened; i++)
        {
            using var response = await gateway.GetAsync("/api/airtable/x");
            opened = response.StatusCode == HttpStatusCode.ServiceUnavailable;
        }

        Assert.True(opened, "the circuit never opened");
        var metrics = PrometheusText.Parse(await MetricsTests.ScrapeUntilAsync(gateway, text =>
            PrometheusText.Parse(text).Find("gateway_circuit_state", ("service", "airtable-gateway")).Any(s => s.Value == 2)));
        Assert.Equal(2, metrics.Value("gateway_circuit_state", ("service", "airtable-gateway"), ("instance", upstream.Url)));
        Assert.Equal(0, metrics.Value("gateway_circuit_state", ("service", "mcp-server"), ("instance", healthy.Url)));

        using var services = await gateway.GetAsync("/_gateway/services");
        using var json = JsonDocument.Parse(await services.Content.ReadAsStringAsync());
        var airtable = json.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "airtable-gateway");
        Assert.Equal("open", airtable.GetProperty("circuit").GetString());
        Assert.Equal("open", airtable.GetProperty("instances")[0].GetProperty("circuit").GetString());
        Assert.True(airtable.GetProperty("instances")[0].GetProperty("failures").GetInt64() >= 2);
    }

    internal static async Task ExpectAsync(GatewayHost gateway, HttpMethod method, string path, HttpStatusCode expected, string? json = null)
    {
        using var response = await gateway.SendAsync(method, path, json: json);
        Assert.Equal(expected, response.StatusCode);
        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary><c>/stream</c>: two chunks without a length; <c>/fail</c>: 500; anything else: 200 with a small JSON body.</summary>
    internal static async Task UpstreamHandler(HttpContext context, RecordedRequest request)
    {
        if (request.RawTarget.StartsWith("/stream", StringComparison.Ordinal))
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: one\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await context.Response.WriteAsync("data: two\n\n", context.RequestAborted);
            return;
        }

        if (request.RawTarget.StartsWith("/fail", StringComparison.Ordinal))
        {
            await FakeUpstream.WriteAsync(context, 500, """{"error":"boom"}"""u8.ToArray(), "application/json");
            return;
        }

        await FakeUpstream.WriteAsync(context, 200, """{"ok":true}"""u8.ToArray(), "application/json");
    }
}
