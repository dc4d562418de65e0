using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using PyAirtable.Gateway.Tests.Dashboard;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>Issue 23: the dashboard shows the cache's hits, misses and hit ratio per route, from the cache's own counts.</summary>
public sealed class CacheDashboardTests
{
    private static async Task<CacheFixture> OneMissTwoHitsAsync()
    {
        var f = await CacheFixture.StartAsync();
        f.Answer("{}", ("Cache-Control", "public, max-age=60"));
        for (var i = 0; i < 3; i++)
        {
            using var response = await f.GetAsync("/api/airtable/dash");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        return f;
    }

    [Fact]
    public async Task Feed_CacheSection_HitsMissesAndRatioByRoute()
    {
        await using var f = await OneMissTwoHitsAsync();

        using var response = await f.SendAsync(HttpMethod.Get, "/dashboard/feed", GatewayHost.ApiKey);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var cache = json.RootElement.GetProperty("cache");
        Assert.Equal(1, cache.GetProperty("entries").GetInt32());
        Assert.True(cache.GetProperty("bytes").GetInt64() > 0);
        Assert.False(cache.GetProperty("shared").GetBoolean());
        var route = Assert.Single(cache.GetProperty("routes").EnumerateArray());
        Assert.Equal("airtable", route.GetProperty("route").GetString());
        Assert.Equal(2, route.GetProperty("hits").GetInt64());
        Assert.Equal(1, route.GetProperty("misses").GetInt64());
        Assert.Equal(0.6667, route.GetProperty("hitRatio").GetDouble());
        Assert.Equal(cache.GetProperty("bytes").GetInt64(), route.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Feed_NoCacheableRequestYet_EmptyRoutes()
    {
        await using var f = await CacheFixture.StartAsync();

        using var response = await f.SendAsync(HttpMethod.Get, "/dashboard/feed", GatewayHost.ApiKey);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(0, json.RootElement.GetProperty("cache").GetProperty("routes").GetArrayLength());
    }

    [ChromiumFact]
    public async Task Dashboard_InChromium_ShowsHitRatioByRoute()
    {
        await using var f = await OneMissTwoHitsAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = DashboardBrowserTests.ChromiumArgs,
            Timeout = (float)Timeouts.Signal.TotalMilliseconds,
        });
        var context = await browser.NewContextAsync();
        context.SetDefaultTimeout((float)Timeouts.Signal.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        await page.GotoAsync(new Uri(f.Gateway.BaseAddress, "/dashboard").ToString());
        await page.WaitForSelectorAsync("#login.shown");
        await page.FillAsync("#key", GatewayHost.ApiKey);
        await page.ClickAsync("#loginForm button[type=submit]");
        var row = await page.WaitForSelectorAsync("#cache tr[data-route='airtable']");
        var cells = await row!.QuerySelectorAllAsync("td");
        var texts = new List<string>();
        foreach (var cell in cells)
        {
            texts.Add(await cell.TextContentAsync() ?? "");
        }

        Assert.Equal("airtable", texts[0]);
        Assert.Equal("2", texts[1]);
        Assert.Equal("1", texts[2]);
        Assert.Equal("66.7 %", texts[3]);
        Assert.Contains("1 entries", await page.TextContentAsync("#cacheSub") ?? "", StringComparison.Ordinal);
        Assert.Empty(errors);
    }
}
