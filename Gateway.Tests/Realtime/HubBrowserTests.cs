using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using PyAirtable.Gateway.Tests.Dashboard;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>
/// The web frontend's part in real headless Chromium: a page from another origin opens <c>new WebSocket(...)</c> to
/// the gateway, authenticates with the auth message, posts a v2 chat with <c>stream: true</c>, and renders each
/// <c>chat_stream</c> delta while the fake orchestrator is still streaming.
/// </summary>
public sealed class HubBrowserTests
{
    private const string Page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>hub</title></head>
        <body>
        <p id="status">connecting</p>
        <p id="deltas"></p>
        <p id="answer"></p>
        <script>
        const gateway = new URLSearchParams(location.search).get('gateway');
        const key = new URLSearchParams(location.search).get('key');
        const ws = new WebSocket(`ws://${gateway}/ws?session_id=browser-1`);
        ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', api_key: key }));
        ws.onclose = e => { document.getElementById('status').textContent = 'closed ' + e.code; };
        ws.onmessage = e => {
          const message = JSON.parse(e.data);
          if (message.type === 'system_status') {
            document.getElementById('status').textContent = 'authenticated';
          } else if (message.type === 'chat_stream') {
            const span = document.createElement('span');
            span.className = 'delta';
            span.textContent = message.data.delta;
            document.getElementById('deltas').appendChild(span);
          }
        };
        window.ask = () => fetch(`http://${gateway}/api/v2/chat`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
            body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }], session_id: 'browser-1', stream: true }),
          })
          .then(r => r.json())
          .then(j => { document.getElementById('answer').textContent = j.response; });
        </script>
        </body></html>
        """;

    [ChromiumFact]
    public async Task Chromium_WebSocketAuthMessage_RendersChatStreamDeltasAsTheyArrive()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var pageHost = builder.Build();
        pageHost.MapGet("/", static (HttpContext context) =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(Page);
        });
        await pageHost.StartAsync();
        var pageOrigin = pageHost.Urls.Single().TrimEnd('/');

        string[] deltas = ["Hello", " wor", "ld!"];
        var shown = new TaskCompletionSource[deltas.Length];
        for (var i = 0; i < shown.Length; i++)
        {
            shown[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await using var llm = await FakeUpstream.StartAsync();
        llm.Handler = StreamBridgeTests.Gated("application/x-ndjson",
            [.. deltas.Select((d, i) => $$"""{"delta":"{{d}}","token_count":{{i + 1}},"is_complete":{{(i == deltas.Length - 1 ? "true" : "false")}}}""" + "\n")],
            i => i == 0 ? Task.CompletedTask : shown[i - 1].Task.WithTimeout());
        await using var gateway = await GatewayHost.StartAsync(llm: llm, overrides: new Dictionary<string, string?> { ["CORS_ORIGINS"] = pageOrigin });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = DashboardBrowserTests.ChromiumArgs,
            Timeout = (float)Timeouts.Signal.TotalMilliseconds,
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout((float)Timeouts.Signal.TotalMilliseconds);
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);

        await page.GotoAsync($"{pageOrigin}/?gateway=127.0.0.1:{gateway.Port}&key={GatewayHost.ApiKey}");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'authenticated'");
        await page.EvaluateAsync("() => { window.ask(); }");
        for (var i = 0; i < deltas.Length; i++)
        {
            await page.WaitForFunctionAsync($"() => document.querySelectorAll('#deltas .delta').length === {i + 1}");
            if (i < deltas.Length - 1)
            {
                Assert.Equal("", await page.TextContentAsync("#answer")); // rendered while the stream is still open
            }

            shown[i].SetResult();
        }

        await page.WaitForFunctionAsync("() => document.getElementById('answer').textContent !== ''");

        Assert.Equal("Hello world!", await page.TextContentAsync("#deltas"));
        Assert.Equal("Hello world!", await page.TextContentAsync("#answer"));
        Assert.Equal("authenticated", await page.TextContentAsync("#status"));
        Assert.Empty(problems);
    }
}
