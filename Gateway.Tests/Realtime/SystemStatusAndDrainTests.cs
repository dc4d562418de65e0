using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Realtime;

public sealed class SystemStatusAndDrainTests
{
    [Fact]
    public async Task HealthChange_SystemStatusPushed_NoChange_NothingPushed()
    {
        var llmStatus = StatusCodes.Status200OK;
        await using var llm = await FakeUpstream.StartAsync((context, _) =>
        {
            context.Response.StatusCode = Volatile.Read(ref llmStatus);
            return Task.CompletedTask;
        });
        await using var airtable = await FakeUpstream.StartAsync();
        await using var mcp = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable, llm, mcp, new Dictionary<string, string?> { ["Gateway:Health:IntervalSeconds"] = "0" });
        var monitor = gateway.App.Services.GetRequiredService<HealthMonitor>();
        await monitor.ProbeNowAsync().WithTimeout();
        var (client, snapshot) = await HubClient.ConnectAuthenticatedAsync(gateway, "s1");
        await using var owned = client;

        Volatile.Write(ref llmStatus, StatusCodes.Status503ServiceUnavailable);
        await monitor.ProbeNowAsync().WithTimeout();
        var changed = await client.ReceiveAsync(includeStatus: true);
        await monitor.ProbeNowAsync().WithTimeout();
        await client.SendAsync("""{"type":"ping"}""");
        var next = await client.ReceiveAsync(includeStatus: true);

        Assert.Equal("healthy", snapshot.GetProperty("data").GetProperty("overall_status").GetString());
        Assert.Equal("healthy", snapshot.GetProperty("data").GetProperty("services").GetProperty("llm-orchestrator").GetProperty("status").GetString());
        Assert.Equal("system_status", changed.GetProperty("type").GetString());
        var data = changed.GetProperty("data");
        Assert.Equal("degraded", data.GetProperty("overall_status").GetString());
        Assert.Equal("unhealthy", data.GetProperty("services").GetProperty("llm-orchestrator").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, data.GetProperty("services").GetProperty("airtable-gateway").GetProperty("response_time").ValueKind);
        Assert.Contains("llm-orchestrator", data.GetProperty("alerts")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("pong", next.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Shutdown_IdleSocketClosed1001_StreamingSessionClosedAfterItsStreamEnds()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await FakeUpstream.StartAsync();
        llm.Handler = StreamBridgeTests.Gated("application/x-ndjson", ["{\"delta\":\"a\"}\n", "{\"delta\":\"b\"}\n"], i => i == 0 ? Task.CompletedTask : release.Task);
        await using var gateway = await GatewayHost.StartAsync(llm: llm, overrides: new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "20" });
        var (streaming, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "busy");
        await using var ownedStreaming = streaming;
        var (idle, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "idle");
        await using var ownedIdle = idle;
        var post = gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"busy","stream":true}""");
        Assert.Equal("a", (await streaming.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString());

        var stopping = gateway.App.StopAsync();
        var (idleStatus, idleReason, _) = await idle.ReceiveCloseAsync();
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        var (status, reason, before) = await streaming.ReceiveCloseAsync();
        using var response = await post;
        await stopping.WithTimeout();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, idleStatus);
        Assert.Equal("Server shutting down", idleReason);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Equal("Server shutting down", reason);
        Assert.Equal("b", Assert.Single(before).GetProperty("data").GetProperty("delta").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Shutdown_StreamOutlastsDrainTimeout_SocketClosed1001Anyway()
    {
        await using var llm = await FakeUpstream.StartAsync();
        llm.Handler = StreamBridgeTests.Gated("application/x-ndjson", ["{\"delta\":\"a\"}\n", "{\"delta\":\"b\"}\n"], i => i == 0 ? Task.CompletedTask : llm.Stopping.WhenCancelled());
        await using var gateway = await GatewayHost.StartAsync(llm: llm, overrides: new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "2" });
        var (streaming, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "busy");
        await using var owned = streaming;
        _ = gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"busy","stream":true}""").ContinueWith(static t => t.Exception, TaskScheduler.Default);
        await streaming.ReceiveAsync();

        var started = System.Diagnostics.Stopwatch.StartNew();
        _ = gateway.App.StopAsync();
        var (status, _, _) = await streaming.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Shutdown_NewHandshakeRefused()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await FakeUpstream.StartAsync();
        llm.Handler = StreamBridgeTests.Gated("application/x-ndjson", ["{\"delta\":\"a\"}\n", "{\"delta\":\"b\"}\n"], i => i == 0 ? Task.CompletedTask : release.Task);
        await using var gateway = await GatewayHost.StartAsync(llm: llm, overrides: new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "20" });
        var lifecycle = gateway.App.Services.GetRequiredService<GatewayLifecycle>();
        var (streaming, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "busy");
        await using var owned = streaming;
        var post = gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"busy","stream":true}""");
        await streaming.ReceiveAsync();

        var stopping = gateway.App.StopAsync();
        Assert.True(lifecycle.IsDraining);
        using var refused = new ClientWebSocket();
        var failure = await Record.ExceptionAsync(() => refused.ConnectAsync(HubClient.Address(gateway, "late"), CancellationToken.None).WithTimeout());
        release.SetResult();
        await post;
        await stopping.WithTimeout();

        Assert.NotNull(failure);
    }

    [Fact]
    public async Task Sigterm_GatewayProcess_OpenSocketsClosed1001_ExitsZero()
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["DRAIN_TIMEOUT"] = "5";
        await using var gateway = await GatewayProcess.StartAsync(settings);
        var (first, _) = await HubClient.ConnectAuthenticatedAsync(gateway.Port, "one");
        await using var ownedFirst = first;
        var (second, _) = await HubClient.ConnectAuthenticatedAsync(gateway.Port, "two");
        await using var ownedSecond = second;

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", gateway.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WithTimeout();
        }

        var (firstStatus, firstReason, _) = await first.ReceiveCloseAsync();
        var (secondStatus, _, _) = await second.ReceiveCloseAsync();
        await gateway.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, firstStatus);
        Assert.Equal("Server shutting down", firstReason);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, secondStatus);
        Assert.Equal(0, gateway.Process.ExitCode);
    }
}
