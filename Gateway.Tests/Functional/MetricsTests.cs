using System.Net;
using System.Text.RegularExpressions;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Metrics": the four metric names at /metrics, labelled by route template, never by raw path.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterTraffic_ExposeFourMetricsByRouteTemplate()
    {
        var unique = "rec" + Guid.NewGuid().ToString("N");
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using (var proxied = await gateway.GetAsync($"/api/airtable/bases/{unique}/records?view={unique}"))
        using (var session = await gateway.GetAsync($"/api/sessions/{unique}/history"))
        using (var unknown = await gateway.GetAsync($"/nope/{unique}"))
        using (var health = await gateway.GetAsync("/api/health", withKey: false))
        {
            Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
            Assert.Equal(HttpStatusCode.OK, session.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var text = await ScrapeUntilAsync(gateway, t =>
            SeriesExists(t, "gateway_requests_total", ("method", "GET"), ("endpoint", "/api/airtable/{**path}"), ("status", "200"))
            && SeriesExists(t, "gateway_requests_total", ("endpoint", "/api/sessions/{id}/history")));

        Assert.Contains("gateway_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.True(SeriesExists(text, "gateway_request_duration_seconds_count", ("endpoint", "/api/airtable/{**path}")), text);
        // The metrics SDK listens to every meter of the gateway's name in the process, so in this test process it also
        // sees the connections of gateways started in parallel: one that opened before this host's provider started
        // and closed after it counts -1 here. The series must exist; its value is not this host's alone.
        Assert.Matches(new Regex(@"^gateway_active_connections(\{[^}]*\})? -?\d", RegexOptions.Multiline), text);
        Assert.True(SeriesExists(text, "gateway_health_check_status", ("service", "airtable-gateway")), text);
        Assert.True(SeriesExists(text, "gateway_health_check_status", ("service", "mcp-server")), text);
        Assert.True(SeriesExists(text, "gateway_health_check_status", ("service", "llm-orchestrator")), text);
        Assert.DoesNotContain(unique, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_UnknownPaths_DoNotCreateOneSeriesEach()
    {
        await using var gateway = await GatewayHost.StartAsync();

        var uniques = Enumerable.Range(0, 5).Select(_ => "x" + Guid.NewGuid().ToString("N")).ToArray();
        foreach (var unique in uniques)
        {
            using var response = await gateway.GetAsync($"/{unique}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var text = await ScrapeUntilAsync(gateway, t => SeriesExists(t, "gateway_requests_total", ("status", "404")));

        Assert.All(uniques, unique => Assert.DoesNotContain(unique, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_ContentTypeIsPrometheusText()
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync("/metrics", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    internal static bool SeriesExists(string text, string name, params (string Label, string Value)[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal) && !line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                continue;
            }

            if (labels.All(l => line.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Scrapes until the condition holds: request metrics are recorded as the response completes
    /// and the exporter may serve a briefly cached scrape, so the first read can lag.
    /// </summary>
    internal static async Task<string> ScrapeUntilAsync(GatewayHost gateway, Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeouts.Signal;
        string text;
        do
        {
            using var response = await gateway.GetAsync("/metrics", withKey: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            if (condition(text))
            {
                return text;
            }

            await Task.Delay(100); // polling interval while waiting for the exporter
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail("metrics never showed the expected series:\n" + text);
        return text;
    }
}
