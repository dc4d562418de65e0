using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Security;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>A route table that does not validate stops start-up, with a message naming the route and the field.</summary>
public sealed class RouteTableValidationTests
{
    private static Dictionary<string, string?> Reports(params (string Key, string? Value)[] fields)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Services:Reports:Url"] = "http://127.0.0.1:9",
            ["Gateway:Routes:reports:Path"] = "/api/reports/{**rest}",
            ["Gateway:Routes:reports:Methods:0"] = "GET",
            ["Gateway:Routes:reports:Service"] = "Reports",
        };
        foreach (var (key, value) in fields)
        {
            settings[key.Contains(':', StringComparison.Ordinal) && key.StartsWith("Gateway", StringComparison.Ordinal) ? key : "Gateway:Routes:reports:" + key] = value;
        }

        return settings;
    }

    public static TheoryData<string, string?, string> BadFields => new()
    {
        { "Service", "Nowhere", "Gateway:Routes:reports:Service 'Nowhere'" },
        { "Auth", "bogus", "Gateway:Routes:reports:Auth 'bogus'" },
        { "Methods:1", "FOO", "Gateway:Routes:reports:Methods has 'FOO'" },
        { "Path", "/api/reports/{rest", "Gateway:Routes:reports:Path" },
        { "Path", "/api/v2/reports", "Gateway:Routes:reports:Path" },
        { "Path", "/livez", "Gateway:Routes:reports:Path" },
        { "UpstreamPath", "/r/{nope}", "Gateway:Routes:reports:UpstreamPath" },
        { "Body", "xml", "Gateway:Routes:reports:Body 'xml'" },
        { "Versions:v3:Body", "v2-chat", "Gateway:Routes:reports:Versions:v3" },
        { "TimeoutSeconds", "-1", "Gateway:Routes:reports:TimeoutSeconds" },
        { "RateLimitPerMinute", "many", "Gateway:Routes:reports:RateLimitPerMinute" },
        { "RateLimitPolicy", "gold", "Gateway:Routes:reports:RateLimitPolicy 'gold'" },
        { "Pth", "/x", "Gateway:Routes:reports:Pth is not a route field" },
        { "RequestHeaders:Set:Host", "evil", "Gateway:Routes:reports:RequestHeaders:Set:Host" },
        { "ResponseHeaders:Set:Content-Length", "1", "Gateway:Routes:reports:ResponseHeaders:Set:Content-Length" },
        { "Canary:Service", "Nowhere", "Gateway:Routes:reports:Canary:Service 'Nowhere'" },
        { "Enabled", "maybe", "Gateway:Routes:reports:Enabled" },
        { "Gateway:Services:Reports:Url", "ftp://x", "Gateway:Services:Reports:Url" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task Start_BadRouteField_RefusedNamingRouteAndField(string field, string? value, string expected)
    {
        var error = await StartupErrors.CaptureAsync(Reports((field, value)));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/reports/{**rest}", "GET", "overlaps route 'reports'")]
    [InlineData("/api/reports/{**other}", "GET,POST", "overlaps route 'reports'")]
    [InlineData("/api/tools", "GET", "overlaps route 'tools'")]
    public async Task Start_OverlappingPaths_Refused(string path, string methods, string expected)
    {
        var settings = Reports(("Gateway:Routes:copy:Path", path), ("Gateway:Routes:copy:Methods", methods), ("Gateway:Routes:copy:Service", "Reports"));

        var error = await StartupErrors.CaptureAsync(settings);

        // Whichever of the two is met second is named with its field, the other by name.
        Assert.Matches($"Gateway:Routes:(copy|reports):Path '[^']+' {expected}|Gateway:Routes:reports:Path '[^']+' overlaps route 'copy'", error);
    }

    [Fact]
    public async Task Start_SamePathOtherMethods_Accepted_BuiltInOverriddenAndDisabled()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var settings = Reports(
            ("Gateway:Routes:reports-write:Path", "/api/reports/{**rest}"),
            ("Gateway:Routes:reports-write:Methods", "POST"),
            ("Gateway:Routes:reports-write:Service", "Reports"),
            ("Gateway:Routes:tools:UpstreamPath", "/v2/tools"),
            ("Gateway:Routes:execute-tool:Enabled", "false"));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);

        using (var tools = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, tools.StatusCode);
        }

        Assert.Equal("/v2/tools", Assert.Single(upstream.Requests).RawTarget);
        using var removed = await gateway.SendAsync(HttpMethod.Post, "/api/execute-tool", json: "{}");
        await Problem.AssertAsync(removed, 404);
    }
}
