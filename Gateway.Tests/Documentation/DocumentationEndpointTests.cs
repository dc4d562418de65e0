using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Documentation;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Documentation;

/// <summary>
/// Issue 24 over real sockets: fake services serve their FastAPI documents, the gateway fetches, merges and serves
/// them without credentials, with entity tags, and keeps serving when a service is down or sends garbage.
/// </summary>
public sealed class DocumentationEndpointTests
{
    /// <summary>Settings that switch the documentation on (the test host switches it off), plus <paramref name="more"/>.</summary>
    internal static Dictionary<string, string?> Enabled(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Gateway:Documentation:Enabled"] = "true" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<ApiDocumentation> RefreshAsync(GatewayHost gateway)
    {
        var documentation = gateway.App.Services.GetRequiredService<ApiDocumentation>();
        await documentation.RefreshAsync(CancellationToken.None).WithTimeout();
        return documentation;
    }

    private static async Task<JsonElement> GetDocumentAsync(GatewayHost gateway, string path = "/openapi.json")
    {
        using var response = await gateway.GetAsync(path, withKey: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static HashSet<string> Paths(JsonElement document) => document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();

    [Fact]
    public async Task OpenApiJson_WithoutCredentials_ServesTheMergedDocumentPerVersion()
    {
        await using var airtable = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Airtable30));
        await using var llm = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Orchestrator31));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, overrides: Enabled());
        await RefreshAsync(gateway);

        using var response = await gateway.GetAsync("/openapi.json", withKey: false);
        using var v1 = await gateway.GetAsync("/openapi/v1.json", withKey: false);
        var v2 = await GetDocumentAsync(gateway, "/openapi/v2.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body, await v1.Content.ReadAsByteArrayAsync());
        Assert.Equal(response.Headers.ETag, v1.Headers.ETag);
        var document = JsonDocument.Parse(body).RootElement;
        Assert.Contains("/api/airtable/bases/{base_id}/tables/{table_id}/records", Paths(document));
        Assert.Contains("/api/sessions/{id}/history", Paths(document));
        Assert.Contains("/api/v2/airtable/bases/{base_id}/tables/{table_id}/records", Paths(v2));
        Assert.Contains("/api/v2/chat", Paths(v2));
        DocumentMergerTests.AssertEveryReferenceResolves(document);
        Assert.All(airtable.Requests, r => Assert.Equal("/openapi.json", r.RawTarget));
    }

    [Fact]
    public async Task OpenApiJson_IfNoneMatchNamesTheCurrentTag_Returns304()
    {
        await using var llm = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Orchestrator31));
        await using var gateway = await GatewayHost.StartAsync(llm: llm, overrides: Enabled());
        await RefreshAsync(gateway);
        using var first = await gateway.GetAsync("/openapi/v2.json", withKey: false);
        var etag = first.Headers.ETag!.Tag;

        using var matching = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2.json");
        matching.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", W/{etag}");
        using var notModified = await gateway.SendAsync(matching);
        using var stale = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2.json");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
        using var modified = await gateway.SendAsync(stale);
        using var head = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/openapi/v2.json"));

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag?.Tag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        Assert.Equal(etag, modified.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(etag, head.Headers.ETag?.Tag);
        Assert.Equal((await first.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Refresh_SameServiceDocuments_SameBytesAndTag()
    {
        await using var airtable = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Airtable30));
        await using var llm = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Orchestrator31));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, overrides: Enabled());
        var documentation = await RefreshAsync(gateway);
        var before = documentation.Current;

        await documentation.RefreshAsync(CancellationToken.None).WithTimeout();

        Assert.Equal(before.V1.Body, documentation.Current.V1.Body);
        Assert.Equal(before.V1.ETag, documentation.Current.V1.ETag);
        Assert.Equal(before.V2.ETag, documentation.Current.V2.ETag);
    }

    [Fact]
    public async Task Services_OneDownOneServingInvalidJson_TheRestIsServedWithNotes()
    {
        await using var airtable = await FakeUpstream.StartAsync(ServiceDocuments.Serving("""{"openapi": "3.1.0", "info": {"title": "x", """));
        await using var gateway = await GatewayHost.StartAsync(airtable, overrides: Enabled()); // the orchestrator's port refuses
        await RefreshAsync(gateway);

        var document = await GetDocumentAsync(gateway);

        Assert.Equal(new HashSet<string> { "/", "/api/health", "/api/websocket/stats", "/ws" }, Paths(document));
        var services = document.GetProperty("x-gateway-services");
        Assert.Equal("missing", services.GetProperty("AirtableGateway").GetProperty("status").GetString());
        Assert.StartsWith("not a valid OpenAPI document", services.GetProperty("AirtableGateway").GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Equal("missing", services.GetProperty("LlmOrchestrator").GetProperty("status").GetString());
        Assert.Equal("connection failed", services.GetProperty("LlmOrchestrator").GetProperty("problem").GetString());
        Assert.Contains("LlmOrchestrator**: its document is not available", document.GetProperty("info").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_FailsAfterAGoodFetch_KeepsItsLastGoodSection()
    {
        await using var airtable = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Airtable30));
        await using var llm = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Orchestrator31));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, overrides: Enabled());
        var documentation = await RefreshAsync(gateway);
        var good = Paths(await GetDocumentAsync(gateway));

        airtable.Handler = FakeUpstream.Respond(500, """{"detail":"boom"}""");
        llm.Handler = FakeUpstream.Respond(200, "<html>oops</html>", "text/html");
        await documentation.RefreshAsync(CancellationToken.None).WithTimeout();
        var document = await GetDocumentAsync(gateway);

        Assert.Equal(good, Paths(document));
        var services = document.GetProperty("x-gateway-services");
        Assert.Equal("stale", services.GetProperty("AirtableGateway").GetProperty("status").GetString());
        Assert.Equal("HTTP 500 from /openapi.json", services.GetProperty("AirtableGateway").GetProperty("problem").GetString());
        Assert.Equal("stale", services.GetProperty("LlmOrchestrator").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Service_YamlDocumentOnAConfiguredPath_IsMerged()
    {
        await using var airtable = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.AirtableYaml, "application/yaml", "/docs/openapi.yaml"));
        await using var gateway = await GatewayHost.StartAsync(airtable, overrides: Enabled(("Gateway:Documentation:Paths:AirtableGateway", "/docs/openapi.yaml")));
        await RefreshAsync(gateway);

        var document = await GetDocumentAsync(gateway);

        Assert.Contains("/api/airtable/bases/{base_id}/schema", Paths(document));
        Assert.Equal(["array", "null"], document.GetProperty("components").GetProperty("schemas").GetProperty("BaseSchema").GetProperty("properties")
            .GetProperty("tables").GetProperty("type").EnumerateArray().Select(t => t.GetString()).Order());
    }

    [Fact]
    public async Task OpenApiJson_BeforeAnyBuild_ServesTheGatewaysOwnEndpoints()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: Enabled());

        var document = await GetDocumentAsync(gateway, "/openapi/v2.json");

        Assert.Contains("/api/v2/health", Paths(document));
        Assert.Contains("/api/v2/chat", Paths(document));
    }

    [Fact]
    public async Task Documentation_SwitchedOff_PathsAnswer404()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Gateway:Documentation:Enabled"] = "false",
        });

        using var openapi = await gateway.GetAsync("/openapi.json", withKey: false);
        using var docs = await gateway.GetAsync("/docs/", withKey: false);

        Assert.Equal(HttpStatusCode.NotFound, openapi.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, docs.StatusCode);
    }

    [Fact]
    public async Task BuiltInRoutes_DescribedWithTheirUpstreamPaths()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Gateway:Auth:RouteScopes:0:Route"] = "/api/airtable/{**path}",
            ["Gateway:Auth:RouteScopes:0:Methods:0"] = "DELETE",
            ["Gateway:Auth:RouteScopes:0:Scope"] = "airtable:delete",
        });

        var routes = gateway.App.Services.GetRequiredService<IDocumentedRoutes>().Routes;

        Assert.Equal(
            [
                "chat /api/chat → LlmOrchestrator /chat Client",
                "tools /api/tools → LlmOrchestrator /tools Client",
                "execute-tool /api/execute-tool → LlmOrchestrator /execute-tool Client",
                "session-history /api/sessions/{id}/history → LlmOrchestrator /sessions/{id}/history Client",
                "delete-session /api/sessions/{id} → LlmOrchestrator /sessions/{id} Client",
                "airtable /api/airtable/{**path} → AirtableGateway /{**path} Client",
                "airtable /api/airtable/{**path} → AirtableGateway /{**path} Scopes airtable:delete",
            ],
            routes.Select(r => $"{r.Name} {r.Path} → {r.Service} {r.UpstreamPath} {r.Auth}{(r.Scopes.Length > 0 ? " " + string.Join(",", r.Scopes) : "")}"));
        Assert.Equal(["DELETE"], routes[^1].Methods);
        Assert.All(routes, r => Assert.True(r.Versioned));
        Assert.NotNull(gateway.App.Services.GetRequiredService<IDocumentedRoutes>().Service("LlmOrchestrator"));
        Assert.Null(gateway.App.Services.GetRequiredService<IDocumentedRoutes>().Service("Reports"));
    }

    [Fact]
    public async Task Root_ListsTheDocumentation()
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync("/", withKey: false);
        var listed = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("endpoints").GetRawText();

        Assert.Contains("\"/docs\"", listed, StringComparison.Ordinal);
        Assert.Contains("\"/openapi.json\"", listed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gateway:Documentation:RefreshSeconds", "5")]
    [InlineData("Gateway:Documentation:FetchTimeoutSeconds", "0")]
    [InlineData("Gateway:Documentation:MaxDocumentBytes", "10")]
    [InlineData("Gateway:Documentation:Paths:AirtableGateway", "http://elsewhere/openapi.json")]
    [InlineData("Gateway:Documentation:Paths:LlmOrchestrator", "//evil/openapi.json")]
    public async Task Startup_BadDocumentationSetting_RefusedNamingIt(string setting, string value)
    {
        var args = GatewayHost.Arguments(new Dictionary<string, string?>(GatewayHost.DefaultSettings(null, null, null)) { [setting] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = Program.CreateApp(args);
            await app.StartAsync().WithTimeout();
        });

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
