using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Tunnel;

/// <summary>The forwarder itself never tunnels: upgrade headers never cross it, and a 101 from a service is not passed on.</summary>
public sealed class ForwarderUpgradeTests
{
    [Theory]
    [InlineData("/plain/x")]
    [InlineData("/ws/x")]
    public async Task Forward_ServiceAnswers101ToAnOrdinaryRequest_ClientNeverGetsASwitch(string path)
    {
        using var service = new RawUpstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nsmuggled-bytes");
        await using var gateway = await TunnelGateway.StartAsync(service.Url);

        var response = await TunnelGateway.SendRawAsync(gateway.Port, $"GET {path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\n\r\n");

        Assert.Equal(502, response.Status);
        Assert.False(response.HasHeader("Upgrade"));
        Assert.DoesNotContain("smuggled-bytes", response.BodyText, StringComparison.Ordinal);
        var head = await service.FirstRequestHead;
        Assert.DoesNotContain("Upgrade", head, StringComparison.OrdinalIgnoreCase);
    }
}
