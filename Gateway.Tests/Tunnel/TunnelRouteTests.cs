using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Security;

namespace PyAirtable.Gateway.Tests.Tunnel;

/// <summary>The WebSocket policy as route-table data: validated, shown in <c>/_gateway/routes</c>, its settings and metrics.</summary>
public sealed class TunnelRouteTests
{
    [Theory]
    [InlineData("Gateway:Routes:echo:WebSocket", "maybe", "Gateway:Routes:echo:WebSocket must be true or false (got 'maybe').")]
    [InlineData("Gateway:Routes:echo:Methods", "POST", "Gateway:Routes:echo:WebSocket is on but the route has no GET method")]
    [InlineData("Gateway:Tunnel:IdleTimeoutSeconds", "0", "Gateway:Tunnel:IdleTimeoutSeconds must be a number of seconds from 0.1 to 86400 (got '0')")]
    [InlineData("Gateway:Tunnel:BufferBytes", "10", "Gateway:Tunnel:BufferBytes must be a number of bytes from 1024 to 1048576 (got '10')")]
    public async Task Start_BadWebSocketSetting_RefusedNamingIt(string key, string value, string expected)
    {
        var error = await StartupErrors.CaptureAsync(TunnelGateway.Routes(Ports.RefusingUrl(), new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoutesView_ShowsThePolicyAndTheSteps()
    {
        await using var gateway = await TunnelGateway.StartAsync(Ports.RefusingUrl());

        using var response = await gateway.GetAsync("/_gateway/routes");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var routes = json.RootElement.GetProperty("routes").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);

        Assert.True(routes["echo"].GetProperty("policies").GetProperty("webSocket").GetBoolean());
        Assert.False(routes["plain"].GetProperty("policies").GetProperty("webSocket").GetBoolean());
        Assert.Equal(["websocket", "forward"], routes["echo"].GetProperty("endpoints")[0].GetProperty("steps").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["no-upgrade", "forward"], routes["plain"].GetProperty("endpoints")[0].GetProperty("steps").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Tunnel_Metrics_OpenTunnelsAndBytesEachWay()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await TunnelGateway.StartAsync(upstream.Url);
        var factory = gateway.App.Services.GetRequiredService<IMeterFactory>();
        var sums = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("gateway_tunnel", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var name = instrument.Name;
            foreach (var tag in tags)
            {
                if (tag.Key == "direction")
                {
                    name += ":" + tag.Value;
                }
            }

            lock (sums)
            {
                sums[name] = sums.GetValueOrDefault(name) + value;
            }
        });
        listener.Start();

        var socket = await TunnelGateway.ConnectAsync(gateway);
        await socket.SendAsync(new byte[1000], WebSocketMessageType.Binary, true, CancellationToken.None);
        await TunnelGateway.ReceiveAsync(socket);
        lock (sums)
        {
            Assert.Equal(1, sums["gateway_tunnels_open"]);
            Assert.Equal(1, sums["gateway_tunnels"]);
            Assert.InRange(sums["gateway_tunnel_bytes:upstream"], 1000, 1100); // the frame: payload, header and mask
            Assert.InRange(sums["gateway_tunnel_bytes:downstream"], 1000, 1100);
        }

        using (var scrape = await gateway.GetAsync("/metrics"))
        {
            var text = await scrape.Content.ReadAsStringAsync();
            Assert.Contains("gateway_tunnels_open{", text, StringComparison.Ordinal);
            Assert.Contains("gateway_tunnels_total{", text, StringComparison.Ordinal);
            Assert.Matches("gateway_tunnel_bytes_total\\{[^}]*direction=\"upstream\"", text);
            Assert.Matches("gateway_tunnel_bytes_total\\{[^}]*direction=\"downstream\"", text);
        }

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "gateway_tunnels_open" && value == -1)
            {
                closed.TrySetResult();
            }
        });
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WithTimeout();
        socket.Dispose();
        await closed.Task.WithTimeout();
    }
}
