using System.Net;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Functional;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>
/// Issue 20 "Security defects": no metric label value comes from raw client input. A method outside the standard set
/// is recorded as <c>_OTHER</c> (OpenTelemetry's HTTP conventions), on the gateway's series and on ASP.NET Core's own;
/// unknown paths and 405s are labelled by template, never by the raw path. Serial: OpenTelemetry listens to meters by
/// name, so gateways running side by side would add to each other's series.
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class MetricLabelTests
{
    [Fact]
    public async Task Metrics_NonStandardMethodsAndRawPaths_NeverBecomeLabelValues()
    {
        var unique = "zq" + Guid.NewGuid().ToString("N");
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            // ASP.NET Core's hosting meter as well, to check the framework's own labels.
            ["Gateway:Observability:StandardMeterNames"] = "Microsoft.AspNetCore.Hosting,Microsoft.AspNetCore.Server.Kestrel",
        });

        foreach (var (method, path, withKey) in new[]
        {
            ("ZQ00000", $"/api/airtable/{unique}", true),   // a known route, a method it does not take: 405
            ("ZQ00001", $"/{unique}/nowhere", false),        // no route at all: 404
            ("get", $"/api/airtable/{unique}", true),        // routed as GET, so counted as GET, as ASP.NET Core does
            ("ZQ00002", "/api/tools", false),                // the 405 of a fixed route, unauthenticated
        })
        {
            using var request = GatewayHost.Request(new HttpMethod(method), path, withKey);
            using var response = await gateway.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound or HttpStatusCode.OK,
                $"{method} {path}: {response.StatusCode}");
        }

        using (var get = await gateway.GetAsync($"/api/airtable/{unique}"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        var text = await MetricsTests.ScrapeUntilAsync(gateway, t =>
        {
            var parsed = PrometheusText.Parse(t);
            return parsed.Has("gateway_requests_total", ("method", "GET"), ("endpoint", "/api/airtable/{**path}"), ("status", "200"))
                && parsed.Has("gateway_requests_total", ("status", "404"))
                && parsed.Has("http_server_request_duration_seconds_count", ("http_response_status_code", "404"));
        });
        var metrics = PrometheusText.Parse(text);

        foreach (var raw in new[] { "ZQ0000", "method=\"get\"", "http_request_method=\"get\"", unique })
        {
            Assert.DoesNotContain(raw, text, StringComparison.Ordinal);
        }

        Assert.True(metrics.Has("gateway_requests_total", ("method", "_OTHER"), ("endpoint", "/api/airtable/{**path}"), ("status", "405")), text);
        Assert.True(metrics.Has("gateway_requests_total", ("method", "_OTHER"), ("endpoint", "/api/tools"), ("status", "405")), text);
        Assert.True(metrics.Has("gateway_requests_total", ("method", "_OTHER"), ("endpoint", RequestTelemetryMiddleware.Unmatched), ("status", "404")), text);
        Assert.True(metrics.Has("http_server_request_duration_seconds_count", ("http_request_method", "_OTHER")), text);

        // Every label value of the gateway's request series is from a fixed set.
        string[] methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "_OTHER"];
        Assert.All(metrics.Find("gateway_requests_total"), s =>
        {
            Assert.Contains(s.Labels["method"], methods);
            Assert.True(s.Labels["endpoint"] == RequestTelemetryMiddleware.Unmatched || s.Labels["endpoint"].StartsWith('/'), s.Labels["endpoint"]);
            Assert.Matches("^[1-5][0-9][0-9]$", s.Labels["status"]);
        });
    }

    [Theory]
    [InlineData("GET", "GET")]
    [InlineData("HEAD", "HEAD")]
    [InlineData("POST", "POST")]
    [InlineData("PUT", "PUT")]
    [InlineData("PATCH", "PATCH")]
    [InlineData("DELETE", "DELETE")]
    [InlineData("OPTIONS", "OPTIONS")]
    [InlineData("TRACE", "TRACE")]
    [InlineData("CONNECT", "CONNECT")]
    [InlineData("delete", "DELETE")]
    [InlineData("ZQ00000", "_OTHER")]
    [InlineData("PROPFIND", "_OTHER")]
    [InlineData("GETS", "_OTHER")]
    [InlineData("PUX", "_OTHER")]
    [InlineData("", "_OTHER")]
    public void MethodLabel_AnyMethod_StandardNameOrOther(string method, string expected) =>
        Assert.Equal(expected, MethodLabel.Of(method));

    [Fact]
    public void MethodLabel_StandardMethod_TheInternedConstantWithoutAllocation()
    {
        var copy = new string("PATCH".AsSpan());
        Assert.Same(Microsoft.AspNetCore.Http.HttpMethods.Patch, MethodLabel.Of(copy));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            _ = MethodLabel.Of(copy);
            _ = MethodLabel.Of("ZQ00000");
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
