using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Tests.Configuration;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>CONTRACT-2 "Route table": routes and services added, changed and removed in the configuration file while the gateway runs.</summary>
public sealed class RouteTableReloadTests
{
    private static string Json(string routes, string services = "") => $$"""
        {
          "Gateway": {
            "Services": { {{services}} },
            "Routes": { {{routes}} }
          }
        }
        """;

    private static string ReportsRoute(string path = "/api/reports/{**rest}", string service = "Reports") => $$"""
        "reports": { "Path": "{{path}}", "Methods": [ "GET" ], "Service": "{{service}}", "UpstreamPath": "/r/{**rest}" }
        """;

    private static string ReportsService(string url) => $$""" "Reports": { "Url": "{{url}}" } """;

    private static Task<GatewayHost> StartAsync(ConfigFile file, FakeUpstream? llm = null) =>
        GatewayHost.StartAsync(llm: llm, overrides: new Dictionary<string, string?>
        {
            ["GATEWAY_CONFIG_FILE"] = file.Path,
            ["Gateway:ConfigFilePollSeconds"] = "0.05",
            ["Logging:LogLevel:PyAirtable.Gateway.Routing"] = "Information",
        });

    /// <summary>Completes when the route table is replaced by one <paramref name="match"/> accepts.</summary>
    private static Task WhenSwapped(GatewayHost gateway, Func<RouteTable, bool> match)
    {
        var swapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.App.Services.GetRequiredService<RouteTableProvider>().Changed += table =>
        {
            if (match(table))
            {
                swapped.TrySetResult();
            }
        };
        return swapped.Task.WithTimeout();
    }

    [Fact]
    public async Task FileRewritten_RouteAddedAnswers_ThenRemovedGives404()
    {
        await using var reports = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"from":"reports"}"""));
        using var file = ConfigFile.Create(Json(""));
        await using var gateway = await StartAsync(file);

        using (var before = await gateway.GetAsync("/api/reports/daily"))
        {
            await Problem.AssertAsync(before, 404);
        }

        var added = WhenSwapped(gateway, t => t.Find("reports") is not null);
        file.Write(Json(ReportsRoute(), ReportsService(reports.Url)));
        await added;

        foreach (var path in new[] { "/api/reports/daily/2026?x=%2F&y", "/api/v1/reports/daily/2026?x=%2F&y", "/api/v2/reports/daily/2026?x=%2F&y" })
        {
            using var response = await gateway.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"from":"reports"}""", await response.Content.ReadAsStringAsync());
        }

        Assert.All(reports.Requests, r => Assert.Equal("/r/daily/2026?x=%2F&y", r.RawTarget));
        Assert.Equal(3, reports.ContactCount);

        using (var info = await gateway.GetAsync("/", withKey: false))
        {
            Assert.Contains("/api/reports/{rest}", await info.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var removed = WhenSwapped(gateway, t => t.Find("reports") is null);
        file.Write(Json(""));
        await removed;

        using (var after = await gateway.GetAsync("/api/reports/daily"))
        {
            var problem = await Problem.AssertAsync(after, 404);
            Assert.DoesNotContain("/api/reports", problem.GetProperty("endpoints").GetRawText(), StringComparison.Ordinal);
        }

        using (var tools = await gateway.GetAsync("/api/tools"))
        {
            Assert.NotEqual(HttpStatusCode.NotFound, tools.StatusCode); // the built-in routes stay
        }

        Assert.Equal(3, reports.ContactCount);
    }

    [Fact]
    public async Task FileRewritten_BrokenTable_OldTableKeepsServing_LogAndRoutesViewSayWhy()
    {
        await using var reports = await FakeUpstream.StartAsync();
        using var file = ConfigFile.Create(Json(ReportsRoute(), ReportsService(reports.Url)));
        await using var gateway = await StartAsync(file);
        var logs = LogCapture.AttachTo(gateway.App.Services);
        var provider = gateway.App.Services.GetRequiredService<RouteTableProvider>();
        var hash = provider.Current.Hash;

        // One bad field (an unknown service) refuses the whole table: the route added next to it is not taken either.
        file.Write(Json(ReportsRoute(service: "Nowhere") + """, "extra": { "Path": "/api/extra", "Methods": ["GET"], "Service": "Reports" }""", ReportsService(reports.Url)));
        var refused = await logs.WaitForAsync(8030);
        Assert.Contains("Gateway:Routes:reports:Service", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Nowhere", refused.Message, StringComparison.Ordinal);

        using (var response = await gateway.GetAsync("/api/reports/x"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var extra = await gateway.GetAsync("/api/extra"))
        {
            await Problem.AssertAsync(extra, 404);
        }

        Assert.Equal(hash, provider.Current.Hash);

        using (var view = await AdminAsync(gateway, "/_gateway/routes"))
        {
            var root = view.RootElement;
            Assert.Equal(hash, root.GetProperty("hash").GetString());
            Assert.Contains("Gateway:Routes:reports:Service", root.GetProperty("rejected").GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.True(root.GetProperty("rejected").TryGetProperty("at", out _));
            Assert.Contains(root.GetProperty("routes").EnumerateArray(), r => r.GetProperty("name").GetString() == "reports" && r.GetProperty("source").GetString() == "file");
        }

        var metrics = await Functional.MetricsTests.ScrapeUntilAsync(gateway, text => text.Contains("gateway_route_table_reloads_total{", StringComparison.Ordinal));
        Assert.Matches("gateway_route_table_reloads_total\\{[^}]*outcome=\"rejected\"[^}]*\\} 1", metrics);

        // Fixed: taken, and the rejection is cleared.
        var fixedTable = WhenSwapped(gateway, t => t.Find("extra") is not null);
        file.Write(Json(ReportsRoute() + """, "extra": { "Path": "/api/extra", "Methods": ["GET"], "Service": "Reports" }""", ReportsService(reports.Url)));
        await fixedTable;
        using (var extra = await gateway.GetAsync("/api/extra"))
        {
            Assert.Equal(HttpStatusCode.OK, extra.StatusCode);
        }

        Assert.Null(provider.Rejected);
    }

    [Fact]
    public async Task RouteRemoved_RequestInFlight_FinishesOnItsTable()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var reports = await FakeUpstream.StartAsync(async (context, _) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await FakeUpstream.WriteAsync(context, 200, """{"late":true}"""u8.ToArray(), "application/json");
        });
        using var file = ConfigFile.Create(Json(ReportsRoute(), ReportsService(reports.Url)));
        await using var gateway = await StartAsync(file);

        var inFlight = gateway.GetAsync("/api/reports/slow");
        await reports.NextContactAsync();

        var removed = WhenSwapped(gateway, t => t.Find("reports") is null);
        file.Write(Json(""));
        await removed;
        using (var after = await gateway.GetAsync("/api/reports/slow"))
        {
            await Problem.AssertAsync(after, 404);
        }

        release.SetResult();
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"late":true}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ServiceUrlChanged_RouteFollowsIt()
    {
        await using var first = await FakeUpstream.StartAsync();
        await using var second = await FakeUpstream.StartAsync();
        using var file = ConfigFile.Create(Json(ReportsRoute(), ReportsService(first.Url)));
        await using var gateway = await StartAsync(file);
        using (var response = await gateway.GetAsync("/api/reports/a"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var moved = WhenSwapped(gateway, t => t.Services["Reports"].ConfiguredUrl == second.Url);
        file.Write(Json(ReportsRoute(), ReportsService(second.Url)));
        await moved;
        using (var response = await gateway.GetAsync("/api/reports/b"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("/r/a", Assert.Single(first.Requests).RawTarget);
        Assert.Equal("/r/b", Assert.Single(second.Requests).RawTarget);
    }

    internal static async Task<JsonDocument> AdminAsync(GatewayHost gateway, string path)
    {
        using var response = await gateway.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
