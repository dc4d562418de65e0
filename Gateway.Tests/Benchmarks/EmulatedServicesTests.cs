using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>
/// The README's demo requests, answered by the emulated services behind the real gateway: what a reader of the README
/// sees when they try the gateway end to end.
/// </summary>
public sealed class EmulatedServicesTests : IAsyncLifetime
{
    private readonly List<WebApplication> _services = [];
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        var urls = new Dictionary<EmulatedServiceKind, string>();
        foreach (var kind in new[] { EmulatedServiceKind.AirtableGateway, EmulatedServiceKind.McpServer, EmulatedServiceKind.LlmOrchestrator })
        {
            var app = EmulatedServiceHost.Create(kind, port: 0, LogLevel.None);
            await app.StartAsync();
            _services.Add(app);
            urls[kind] = EmulatedServiceHost.BoundAddress(app).ToString().TrimEnd('/');
        }

        _gateway = await GatewayHost.StartAtAsync(
            urls[EmulatedServiceKind.AirtableGateway], urls[EmulatedServiceKind.LlmOrchestrator], urls[EmulatedServiceKind.McpServer]);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        foreach (var app in _services)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Health_AllThreeEmulatedServicesHealthy()
    {
        using var response = await _gateway.GetAsync("/api/health", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        var services = json.RootElement.GetProperty("services").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal(
            new Dictionary<string, string?> { ["airtable-gateway"] = "healthy", ["llm-orchestrator"] = "healthy", ["mcp-server"] = "healthy" },
            services);
    }

    [Fact]
    public async Task AirtableRequest_EchoesWhatTheServiceReceived()
    {
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/bases/appDemo123/tables?view=Grid%20view&fields%5B%5D=Name");
        request.Headers.Add("X-Request-ID", "demo-request-1");

        using var response = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("airtable-gateway", root.GetProperty("service").GetString());
        Assert.Equal("GET", root.GetProperty("method").GetString());
        Assert.Equal("/bases/appDemo123/tables", root.GetProperty("path").GetString());
        Assert.Equal("view=Grid%20view&fields%5B%5D=Name", root.GetProperty("query").GetString());
        Assert.Equal(0, root.GetProperty("bodyLength").GetInt64());
        Assert.Equal("demo-request-1", Assert.Single(response.Headers.GetValues("X-Request-ID")));
    }

    [Fact]
    public async Task Chat_EventStreamOfStartFourChunksDone()
    {
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/chat", json: """{"message":"List my bases","session_id":"s1"}""");

        using var response = await _gateway.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync().WithTimeout();
        Assert.StartsWith("data: ", first, StringComparison.Ordinal);
        using (var start = JsonDocument.Parse(first!["data: ".Length..]))
        {
            Assert.Equal("start", start.RootElement.GetProperty("type").GetString());
            Assert.Equal("s1", start.RootElement.GetProperty("session_id").GetString());
            Assert.Equal("List my bases", start.RootElement.GetProperty("message").GetString());
        }

        var rest = await reader.ReadToEndAsync().WithTimeout();
        var events = rest.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal(5, events.Length);
        Assert.All(events[..4], e => Assert.Contains("\"type\":\"chunk\"", e, StringComparison.Ordinal));
        Assert.Contains("\"type\":\"done\"", events[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_ListedThroughTheGateway()
    {
        using var response = await _gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var names = json.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString());
        Assert.Contains("list_bases", names);
    }

    [Fact]
    public async Task WithoutKey_RefusedBeforeTheService()
    {
        using var response = await _gateway.GetAsync("/api/airtable/bases", withKey: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
