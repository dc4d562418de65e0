using System.Net.WebSockets;
using Microsoft.IdentityModel.Tokens;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Security;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>Bearer tokens on the hub: in the auth message and on the handshake, through the gateway's JWT handler.</summary>
public sealed class HubTokenTests
{
    private static Task<GatewayHost> StartAsync() => GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
    {
        ["JWT_SECRET"] = TestTokens.Secret,
        ["JWT_ISSUER"] = TestTokens.Issuer,
        ["JWT_AUDIENCE"] = TestTokens.Audience,
    });

    private static string Token(string? audience = TestTokens.Audience) =>
        TestTokens.Create(TestTokens.SecretKey(), SecurityAlgorithms.HmacSha256, audience: audience);

    [Fact]
    public async Task AuthMessage_ValidToken_Authenticated()
    {
        await using var gateway = await StartAsync();
        await using var client = await HubClient.ConnectAsync(gateway, "t1");

        await client.SendAsync($$"""{"type":"auth","token":"{{Token()}}"}""");

        Assert.Equal("system_status", (await client.ReceiveAsync(includeStatus: true)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AuthMessage_TokenForAnotherAudience_Close1008AuthenticationFailed()
    {
        await using var gateway = await StartAsync();
        await using var client = await HubClient.ConnectAsync(gateway, "t1");

        await client.SendAsync($$"""{"type":"auth","token":"{{Token(audience: "someone-else")}}"}""");
        var (status, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("Authentication failed", reason);
    }

    [Fact]
    public async Task Handshake_BearerHeader_AuthenticatedWithoutMessage()
    {
        await using var gateway = await StartAsync();

        await using var client = await HubClient.ConnectAsync(gateway, "t1", o => o.SetRequestHeader("Authorization", "Bearer " + Token()));

        Assert.Equal("system_status", (await client.ReceiveAsync(includeStatus: true)).GetProperty("type").GetString());
    }
}
