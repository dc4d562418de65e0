using System.Net;
using System.Text.RegularExpressions;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Dashboard;

/// <summary>Issue 6 "/dashboard": the page is self-contained and holds no data; its feed needs the admin key.</summary>
public sealed class DashboardPageTests
{
    [Fact]
    public async Task Page_WithoutKey_ServedSelfContainedWithStrictPolicy()
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync("/dashboard", withKey: false);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.Contains("<canvas", html, StringComparison.Ordinal);
        Assert.Contains("sessionStorage", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"airtable-gateway\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feed_Admin_HasAggregatesServicesAndRoutes()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);
        for (var i = 0; i < 3; i++)
        {
            using var forwarded = await gateway.GetAsync($"/api/airtable/t/{i}");
            Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        }

        using var response = await gateway.GetAsync("/dashboard/feed");
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var root = json.RootElement;
        Assert.True(root.GetProperty("totals").GetProperty("requests").GetInt64() >= 3);
        Assert.Equal(60, root.GetProperty("series").GetArrayLength());
        var route = root.GetProperty("routes").EnumerateArray().First(r => r.GetProperty("endpoint").GetString() == "/api/airtable/{**path}");
        Assert.Equal(3, route.GetProperty("requests").GetInt32());
        Assert.True(route.GetProperty("p95").GetDouble() >= route.GetProperty("p50").GetDouble());
        Assert.Equal(3, root.GetProperty("services").GetArrayLength());
    }
}
