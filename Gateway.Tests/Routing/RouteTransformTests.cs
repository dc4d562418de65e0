using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>Per-route policies declared in configuration: transforms, auth, timeout, canary.</summary>
public sealed class RouteTransformTests
{
    private static Dictionary<string, string?> Route(string url, params (string Key, string? Value)[] fields)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Services:Reports:Url"] = url,
            ["Gateway:Routes:reports:Path"] = "/api/reports/{kind}/{**rest}",
            ["Gateway:Routes:reports:Methods"] = "GET,POST",
            ["Gateway:Routes:reports:Service"] = "Reports",
            ["Gateway:Routes:reports:UpstreamPath"] = "/v9/{rest}/of/{kind}",
        };
        foreach (var (key, value) in fields)
        {
            settings["Gateway:Routes:reports:" + key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task RequestTransforms_HeadersSetAppendRemove_QueryAddRemove_PathRewritten()
    {
        await using var reports = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(overrides: Route(reports.Url,
            ("RequestHeaders:Set:X-Tenant", "acme"),
            ("RequestHeaders:Append:X-Tag", "from-gateway"),
            ("RequestHeaders:Remove:0", "X-Debug"),
            ("Query:Add:source", "gateway v2"),
            ("Query:Remove:0", "debug")));

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/reports/da%2Fily/2026/%C3%A9+x?debug=1&a=%2F&debug&b=+&de%62ug=2");
        request.Headers.Add("X-Tenant", "client-chosen");
        request.Headers.Add("X-Tag", "from-client");
        request.Headers.Add("X-Debug", "1");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(reports.Requests);
        Assert.Equal("/v9/2026/%C3%A9+x/of/da%2Fily?a=%2F&b=+&source=gateway%20v2", received.RawTarget);
        Assert.Equal(["acme"], received.Headers["X-Tenant"]);
        Assert.Equal(["from-client", "from-gateway"], received.Headers["X-Tag"].SelectMany(v => v.Split(", ")).ToArray());
        Assert.False(received.HasHeader("X-Debug"));
        Assert.Equal("key:default", received.Header("X-Client-Id"));
    }

    [Fact]
    public async Task ResponseTransforms_SetReplacesServiceValue_RemoveDropsIt()
    {
        await using var reports = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, "{}", "application/json", ("X-Powered-By", "flask"), ("Cache-Control", "private")));
        await using var gateway = await GatewayHost.StartAsync(overrides: Route(reports.Url,
            ("ResponseHeaders:Set:Cache-Control", "no-store"),
            ("ResponseHeaders:Set:X-Route", "reports"),
            ("ResponseHeaders:Remove:0", "X-Powered-By")));

        using var response = await gateway.GetAsync("/api/v2/reports/a/b");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.Equal("reports", response.Headers.GetValues("X-Route").Single());
        Assert.False(response.Headers.Contains("X-Powered-By"));
        Assert.Equal("v2", response.Headers.GetValues("API-Version").Single());
    }

    [Fact]
    public async Task AuthNone_NoCredentialsNeeded_ClientAuthStillRequiredElsewhere()
    {
        await using var reports = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(overrides: Route(reports.Url, ("Auth", "none")));

        using (var open = await gateway.GetAsync("/api/reports/a/b", withKey: false))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        using (var tools = await gateway.GetAsync("/api/tools", withKey: false))
        {
            await Problem.AssertAsync(tools, 401);
        }

        // Still refused on an open route: a credential in the query string (it would travel on to the service).
        using (var keyInQuery = await gateway.GetAsync("/api/reports/a/b?api_key=secret", withKey: false))
        {
            await Problem.AssertAsync(keyInQuery, 400);
        }

        Assert.False(Assert.Single(reports.Requests).HasHeader("X-Client-Id"));
    }

    [Fact]
    public async Task Scopes_ClientWithoutThem_Gets403_ClientWithThem_Passes()
    {
        await using var reports = await FakeUpstream.StartAsync();
        var settings = Route(reports.Url, ("Scopes:0", "reports:read"));
        settings["Gateway:Auth:Keys:0:Name"] = "reader";
        settings["Gateway:Auth:Keys:0:Key"] = "reader-key-0123456789";
        settings["Gateway:Auth:Keys:0:Scopes:0"] = "reports:read";
        settings["Gateway:Auth:Keys:1:Name"] = "other";
        settings["Gateway:Auth:Keys:1:Key"] = "other-key-0123456789";
        settings["Gateway:Auth:Keys:1:Scopes:0"] = "airtable:read";
        await using var gateway = await GatewayHost.StartAsync(overrides: settings);

        foreach (var (key, status) in new[] { ("reader-key-0123456789", HttpStatusCode.OK), ("other-key-0123456789", HttpStatusCode.Forbidden) })
        {
            using var request = GatewayHost.Request(HttpMethod.Get, "/api/v1/reports/a/b", withKey: false);
            request.Headers.Add("X-API-Key", key);
            using var response = await gateway.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
        }

        Assert.Equal(1, reports.ContactCount);
    }

    [Fact]
    public async Task TimeoutSeconds_PerRoute_504WhenHeadersAreLate()
    {
        await using var reports = await FakeUpstream.StartAsync();
        reports.Handler = reports.NeverAnswer();
        await using var gateway = await GatewayHost.StartAsync(overrides: Route(reports.Url, ("TimeoutSeconds", "0.3")));

        using var response = await gateway.GetAsync("/api/reports/a/b");

        await Problem.AssertAsync(response, 504);
    }

    [Fact]
    public async Task RateLimitPerMinute_PerRoute_SharedByItsVersions()
    {
        await using var reports = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(overrides: Route(reports.Url, ("RateLimitPerMinute", "2")));

        using (var first = await gateway.GetAsync("/api/reports/a/b"))
        using (var second = await gateway.GetAsync("/api/v2/reports/a/b"))
        using (var third = await gateway.GetAsync("/api/v1/reports/a/b"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            await Problem.AssertAsync(third, 429);
        }

        using var tools = await gateway.GetAsync("/api/airtable/x");
        Assert.NotEqual(HttpStatusCode.TooManyRequests, tools.StatusCode);
    }

    [Fact]
    public async Task Canary_HeaderAndFullPercent_GoToCanaryService_ShownInRoutesView()
    {
        await using var stable = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"side":"stable"}"""));
        await using var canary = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"side":"canary"}"""));
        var settings = Route(stable.Url, ("Canary:Service", "ReportsNext"), ("Canary:Header", "X-Canary"), ("Canary:HeaderValue", "yes"));
        settings["Gateway:Services:ReportsNext:Url"] = canary.Url;
        await using var gateway = await GatewayHost.StartAsync(overrides: settings);

        using (var plain = await gateway.GetAsync("/api/reports/a/b"))
        {
            Assert.Equal("""{"side":"stable"}""", await plain.Content.ReadAsStringAsync());
        }

        using (var request = GatewayHost.Request(HttpMethod.Get, "/api/reports/a/b"))
        {
            request.Headers.Add("X-Canary", "yes");
            using var forced = await gateway.SendAsync(request);
            Assert.Equal("""{"side":"canary"}""", await forced.Content.ReadAsStringAsync());
        }

        Assert.Equal("/v9/b/of/a", Assert.Single(canary.Requests).RawTarget);

        using var view = await RouteTableReloadTests.AdminAsync(gateway, "/_gateway/routes");
        var route = view.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "reports");
        Assert.Equal("configuration", route.GetProperty("source").GetString());
        var tools = view.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "tools");
        Assert.Equal("built-in", tools.GetProperty("source").GetString());
        Assert.Equal(64, view.RootElement.GetProperty("hash").GetString()!.Length);
        Assert.Equal("/v9/{rest}/of/{kind}", route.GetProperty("upstreamPath").GetString());
        Assert.Equal("ReportsNext", route.GetProperty("canary").GetProperty("serviceKey").GetString());
        Assert.Equal("X-Canary", route.GetProperty("canary").GetProperty("header").GetString());
        var steps = route.GetProperty("endpoints").EnumerateArray().Select(e => string.Join(">", e.GetProperty("steps").EnumerateArray().Select(s => s.GetString()))).ToList();
        Assert.Equal(["api-version>no-upgrade>forward", "api-version>no-upgrade>forward", "api-version>no-upgrade>forward"], steps);
    }

    [Fact]
    public async Task Canary_Percent_SplitsClientsStickily()
    {
        await using var stable = await FakeUpstream.StartAsync();
        await using var canary = await FakeUpstream.StartAsync();
        var settings = Route(stable.Url, ("Canary:Service", "ReportsNext"), ("Canary:Percent", "50"), ("Auth", "none"));
        settings["Gateway:Services:ReportsNext:Url"] = canary.Url;
        await using var gateway = await GatewayHost.StartAsync(overrides: settings);

        // Without credentials the identity is the client address: every request of this client goes to one side.
        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.GetAsync("/api/reports/a/b", withKey: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(stable.ContactCount == 6 || canary.ContactCount == 6, $"stable {stable.ContactCount}, canary {canary.ContactCount}");
    }
}
