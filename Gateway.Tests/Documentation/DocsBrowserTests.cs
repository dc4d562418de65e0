using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Documentation;
using PyAirtable.Gateway.Tests.Dashboard;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Documentation;

/// <summary>
/// <c>/docs</c> in real headless Chromium (Debian's, driven by Playwright) over the demo's emulated services: the page
/// loads from the gateway alone (every other host is cut off), lists the operations of both API versions, and logs no
/// console error.
/// </summary>
public sealed class DocsBrowserTests
{
    [ChromiumFact]
    public async Task Docs_InChromiumOffline_ListsTheOperations()
    {
        await using var airtable = EmulatedServiceHost.Create(EmulatedServiceKind.AirtableGateway, 0);
        await using var llm = EmulatedServiceHost.Create(EmulatedServiceKind.LlmOrchestrator, 0);
        await airtable.StartAsync().WithTimeout();
        await llm.StartAsync().WithTimeout();
        await using var gateway = await GatewayHost.StartAtAsync(
            EmulatedServiceHost.BoundAddress(airtable).ToString().TrimEnd('/'), EmulatedServiceHost.BoundAddress(llm).ToString().TrimEnd('/'), null, DocumentationEndpointTests.Enabled());
        await gateway.App.Services.GetRequiredService<ApiDocumentation>().RefreshAsync(CancellationToken.None).WithTimeout();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = DashboardBrowserTests.ChromiumArgs,
            Timeout = (float)Timeouts.Signal.TotalMilliseconds,
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        context.SetDefaultTimeout((float)Timeouts.Signal.TotalMilliseconds);
        var origin = gateway.BaseAddress.ToString().TrimEnd('/');
        var elsewhere = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(origin + "/", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
                return;
            }

            lock (elsewhere)
            {
                elsewhere.Add(route.Request.Url);
            }

            await route.AbortAsync("internetdisconnected");
        });

        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
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

        var response = await page.GotoAsync(origin + "/docs");
        Assert.Equal(200, response!.Status);

        // The sidebar lists operations from both services and the gateway itself.
        foreach (var operation in new[] { "List Records", "Update Record", "Get Session History", "Execute Tool", "Aggregated health of the services" })
        {
            await page.GetByText(operation, new() { Exact = true }).First.WaitForAsync();
        }

        Assert.Equal(0, await page.GetByText("Reload Prompts", new() { Exact = true }).CountAsync()); // no route reaches it

        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var screenshot = Path.Combine(AppContext.BaseDirectory, "api-docs.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        if (Environment.GetEnvironmentVariable("GATEWAY_UPDATE_SCREENSHOT") == "1")
        {
            File.Copy(screenshot, Path.Combine(DashboardBrowserTests.RepositoryRoot(), "docs", "api-docs.png"), overwrite: true);
        }

        // The v2 document is one choice away, with the v2 chat body.
        var v2 = await page.EvaluateAsync<string>("() => fetch('/openapi/v2.json').then(r => r.text())");
        Assert.Contains("ChatRequestV2", v2, StringComparison.Ordinal);

        lock (problems)
        {
            Assert.Empty(problems);
        }

        lock (elsewhere)
        {
            Assert.Empty(elsewhere);
        }
    }
}
