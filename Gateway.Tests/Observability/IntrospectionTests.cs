using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Introspection;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>Issue 6 "Introspection": /_gateway/routes, /services, /config behind the admin scope.</summary>
public sealed class IntrospectionTests
{
    public static readonly TheoryData<string> Paths = new() { "/_gateway/routes", "/_gateway/services", "/_gateway/config", "/dashboard/feed" };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Introspection_NoKey_401ProblemWithChallenge(string path)
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync(path, withKey: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(response.Headers.GetValues("X-Request-ID").Single(), problem.RootElement.GetProperty("requestId").GetString());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Introspection_WrongKey_401(string path)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var request = GatewayHost.Request(HttpMethod.Get, path, withKey: false);
        request.Headers.Add("X-API-Key", "not-the-key-at-all");

        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Introspection_ClientWithoutAdminScope_403Problem(string path)
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: ReaderKey);
        using var request = GatewayHost.Request(HttpMethod.Get, path, withKey: false);
        request.Headers.Add("X-API-Key", "reader-key-0123456789");

        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Introspection_NamedClientWithAdminScope_200()
    {
        var settings = new Dictionary<string, string?>(ReaderKey) { ["Gateway:Auth:Keys:0:Scopes:1"] = "admin" };
        await using var gateway = await GatewayHost.StartAsync(overrides: settings);
        using var request = GatewayHost.Request(HttpMethod.Get, "/_gateway/config", withKey: false);
        request.Headers.Add("X-API-Key", "reader-key-0123456789");

        using var response = await gateway.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("reader-key-0123456789", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var key = json.RootElement.GetProperty("options").GetProperty("Gateway:Auth").GetProperty("Keys")[0];
        Assert.Equal("reader", key.GetProperty("Name").GetString());
        Assert.Equal("***", key.GetProperty("Key").GetString());
    }

    private static readonly Dictionary<string, string?> ReaderKey = new()
    {
        ["Gateway:Auth:Keys:0:Name"] = "reader",
        ["Gateway:Auth:Keys:0:Key"] = "reader-key-0123456789",
        ["Gateway:Auth:Keys:0:Scopes:0"] = "read",
    };

    [Fact]
    public async Task Routes_Admin_ListsRouteTableWithServicesAndPolicies()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_PER_MINUTE"] = "600",
            ["CHAT_RATE_LIMIT_PER_MINUTE"] = "7",
            ["Gateway:Auth:RouteScopes:0:Route"] = "/api/airtable/{**path}",
            ["Gateway:Auth:RouteScopes:0:Methods:0"] = "DELETE",
            ["Gateway:Auth:RouteScopes:0:Scope"] = "airtable:write",
        });

        using var json = await GetJsonAsync(gateway, "/_gateway/routes");

        var routes = json.RootElement.GetProperty("routes").EnumerateArray().ToDictionary(r => r.GetProperty("template").GetString()!);
        Assert.Equal(
            ["/api/airtable/{**path}", "/api/chat", "/api/execute-tool", "/api/sessions/{id}", "/api/sessions/{id}/history", "/api/tools"],
            routes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("airtable-gateway", routes["/api/airtable/{**path}"].GetProperty("service").GetString());
        Assert.Equal(upstream.Url, routes["/api/airtable/{**path}"].GetProperty("upstreams")[0].GetString());
        var chat = routes["/api/chat"];
        Assert.Equal("llm-orchestrator", chat.GetProperty("service").GetString());
        var limits = chat.GetProperty("policies").GetProperty("rateLimits").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("perMinute").GetInt32());
        Assert.Equal(600, limits["global"]);
        Assert.Equal(7, limits["chat"]);
        Assert.True(chat.GetProperty("policies").GetProperty("jsonObjectBody").GetBoolean());
        Assert.Equal("""{"DELETE":["airtable:write"]}""", routes["/api/airtable/{**path}"].GetProperty("policies").GetProperty("scopes").GetRawText());
        Assert.Equal("{}", chat.GetProperty("policies").GetProperty("scopes").GetRawText());
        Assert.Contains(json.RootElement.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("template").GetString() == "/_gateway/routes");
    }

    [Fact]
    public async Task Services_Admin_ListsInstancesWithHealthCircuitAndLoad()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, null);
        using (var health = await gateway.GetAsync("/api/health", withKey: false))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var forwarded = await gateway.GetAsync("/api/airtable/x"))
        {
            Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        }

        using var json = await GetJsonAsync(gateway, "/_gateway/services");

        var services = json.RootElement.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["airtable-gateway", "llm-orchestrator", "mcp-server"], services.Keys.Order(StringComparer.Ordinal));
        var airtable = services["airtable-gateway"];
        Assert.Equal("healthy", airtable.GetProperty("status").GetString());
        Assert.Equal("closed", airtable.GetProperty("circuit").GetString());
        var instance = airtable.GetProperty("instances")[0];
        Assert.Equal(upstream.Url, instance.GetProperty("url").GetString());
        Assert.Equal(1, instance.GetProperty("requests").GetInt64());
        Assert.Equal(0, instance.GetProperty("inFlight").GetInt64());
        Assert.Equal("unreachable", services["mcp-server"].GetProperty("status").GetString());
        Assert.True(json.RootElement.TryGetProperty("checkedAt", out _));
    }

    [Fact]
    public async Task Config_Admin_EffectiveOptionsWithSecretsMaskedHashAndReloadTime()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["UPSTREAM_TIMEOUT"] = "12",
        });

        using var response = await gateway.GetAsync("/_gateway/config");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(GatewayHost.ApiKey, text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("hash").GetString());
        Assert.True(DateTimeOffset.Parse(root.GetProperty("lastReload").GetString()!, System.Globalization.CultureInfo.InvariantCulture) <= DateTimeOffset.UtcNow);
        var options = root.GetProperty("options");
        Assert.Equal("***", options.GetProperty("Gateway:Auth").GetProperty("ApiKey").GetString());
        Assert.Equal(12, options.GetProperty("Gateway:Forwarding").GetProperty("TimeoutSeconds").GetDouble());
        Assert.Equal(gateway.Settings["AIRTABLE_GATEWAY_URL"], options.GetProperty("Gateway:Services").GetProperty("AirtableGateway").GetProperty("Url").GetString());
        Assert.True(options.TryGetProperty("Gateway:Observability", out _));
        var configured = root.GetProperty("configured");
        Assert.Equal("12", configured.GetProperty("Gateway:Forwarding:TimeoutSeconds").GetString());
        Assert.Equal("***", configured.GetProperty("Gateway:Auth:ApiKey").GetString());

        // Same configuration, same hash.
        using var again = await GetJsonAsync(gateway, "/_gateway/config");
        Assert.Equal(root.GetProperty("hash").GetString(), again.RootElement.GetProperty("hash").GetString());
    }

    [Fact]
    public void Mask_NestedSecretsAndUrlUserInfo_Masked()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("""
            {"Auth":{"ApiKey":"k1","NamedKeys":[{"Key":"k2","Scopes":["admin"]}],"JwtSecret":"","Issuer":"me"},
             "Redis":{"Url":"redis://user:pw@host:6379","RedisUrl":"host:6379,password=pw"},"List":["http://a:b@h/","plain"]}
            """);

        var masked = EffectiveConfiguration.Mask(node)!.ToJsonString();

        Assert.DoesNotContain("k1", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("k2", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("a:b", masked, StringComparison.Ordinal);
        Assert.Contains("\"Issuer\":\"me\"", masked, StringComparison.Ordinal);
        Assert.Contains("\"JwtSecret\":\"\"", masked, StringComparison.Ordinal);
        Assert.Contains("plain", masked, StringComparison.Ordinal);
    }

    private static async Task<JsonDocument> GetJsonAsync(GatewayHost gateway, string path)
    {
        using var response = await gateway.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
