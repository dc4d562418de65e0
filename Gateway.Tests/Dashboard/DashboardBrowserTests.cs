using System.Net;
using Microsoft.Playwright;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Observability;

namespace PyAirtable.Gateway.Tests.Dashboard;

/// <summary>
/// Issue 6 "/dashboard", in real headless Chromium driven by Playwright (Debian's browser, no download): the page loads
/// without console errors, asks for the key once, shows the three services, and its numbers move with traffic.
/// </summary>
public sealed class DashboardBrowserTests
{
    internal static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [ChromiumFact]
    public async Task Dashboard_InChromium_ShowsServicesAndMovesWithTraffic()
    {
        await using var upstream = await FakeUpstream.StartAsync(MetricsExportTests.UpstreamHandler);
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["CHAT_RATE_LIMIT_PER_MINUTE"] = "3",
        });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = (float)Timeouts.Signal.TotalMilliseconds,
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        context.SetDefaultTimeout((float)Timeouts.Signal.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        var requested = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (problems)
                {
                    problems.Add($"console {message.Type}: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (problems)
            {
                problems.Add("page error: " + error);
            }
        };
        page.Request += (_, request) =>
        {
            lock (requested)
            {
                requested.Add(request.Url);
            }
        };

        // The page holds no data and asks for the key.
        var response = await page.GotoAsync(new Uri(gateway.BaseAddress, "/dashboard").ToString());
        Assert.Equal(200, response!.Status);
        await page.WaitForSelectorAsync("#login.shown");
        await page.FillAsync("#key", GatewayHost.ApiKey);
        await page.ClickAsync("#loginForm button[type=submit]");

        // The three services, once the feed answers.
        foreach (var service in new[] { "airtable-gateway", "mcp-server", "llm-orchestrator" })
        {
            await page.WaitForSelectorAsync($"tr[data-service='{service}']");
        }

        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'live'");
        Assert.Equal("", await page.EvaluateAsync<string>("() => sessionStorage.getItem('pyairtable-gateway-key') === null ? 'missing' : ''"));
        var before = long.Parse(await page.TextContentAsync("#total") ?? "0", System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);

        // Traffic: successes, upstream 5xx, a stream, and chat calls past their limit.
        for (var i = 0; i < 20; i++)
        {
            await MetricsExportTests.ExpectAsync(gateway, HttpMethod.Get, $"/api/airtable/bases/{i}", HttpStatusCode.OK);
        }

        await MetricsExportTests.ExpectAsync(gateway, HttpMethod.Get, "/api/airtable/stream", HttpStatusCode.OK);
        for (var i = 0; i < 3; i++)
        {
            await MetricsExportTests.ExpectAsync(gateway, HttpMethod.Get, "/api/airtable/fail", HttpStatusCode.InternalServerError);
            await MetricsExportTests.ExpectAsync(gateway, HttpMethod.Get, "/api/tools", HttpStatusCode.OK);
        }

        for (var i = 0; i < 5; i++)
        {
            using var chat = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: """{"message":"hello"}""");
            Assert.Contains(chat.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests });
        }

        // The numbers move: the total counter, the route table, the rate-limit count.
        await page.WaitForFunctionAsync(
            "before => Number(document.getElementById('total').textContent.replace(/,/g, '')) >= before + 30",
            before);
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('#routes td.route')].some(td => td.textContent === '/api/airtable/{**path}')");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('limited').textContent) >= 2");
        await page.WaitForFunctionAsync("() => document.getElementById('rps').textContent !== '0.0'");
        await page.WaitForFunctionAsync("() => document.getElementById('errors').textContent !== '0.0 %'");
        var airtableRequests = await page.TextContentAsync("tr[data-service='airtable-gateway'] td:nth-child(5)");
        Assert.True(int.Parse(airtableRequests!, System.Globalization.CultureInfo.InvariantCulture) >= 24, airtableRequests);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        if (Environment.GetEnvironmentVariable("GATEWAY_UPDATE_SCREENSHOT") == "1")
        {
            File.Copy(screenshot, Path.Combine(RepositoryRoot(), "docs", "dashboard.png"), overwrite: true);
        }

        lock (problems)
        {
            Assert.Empty(problems);
        }

        // Nothing but the gateway itself was contacted: no CDN, works offline.
        lock (requested)
        {
            Assert.All(requested, url => Assert.StartsWith(gateway.BaseAddress.ToString(), url, StringComparison.Ordinal));
        }
    }

    [ChromiumFact]
    public async Task Dashboard_WrongKey_AsksAgainWithMessage()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = (float)Timeouts.Signal.TotalMilliseconds,
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout((float)Timeouts.Signal.TotalMilliseconds);

        await page.GotoAsync(new Uri(gateway.BaseAddress, "/dashboard").ToString());
        await page.FillAsync("#key", "definitely-wrong-key");
        await page.ClickAsync("#loginForm button[type=submit]");

        await page.WaitForFunctionAsync("() => document.getElementById('loginError').textContent.includes('not accepted')");
        Assert.True(await page.IsVisibleAsync("#login"));
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('pyairtable-gateway-key')"));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PyAirtableGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
