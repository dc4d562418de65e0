using System.Net;
using System.Security.Cryptography;
using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Issue 4: the contract's API_KEY and named keys (plain or SHA-256), constant-time, start-up rules.</summary>
public sealed class NamedApiKeyTests
{
    private const string ReaderKey = "reader-key-0123456789";
    private const string WriterKey = "writer-key-9876543210";

    private static Dictionary<string, string?> NamedKeys() => new()
    {
        ["API_KEY"] = null,
        ["Gateway:Auth:Keys:0:Name"] = "reporting",
        ["Gateway:Auth:Keys:0:Key"] = ReaderKey,
        ["Gateway:Auth:Keys:0:Scopes:0"] = "airtable:read",
        ["Gateway:Auth:Keys:1:Name"] = "importer",
        ["Gateway:Auth:Keys:1:KeySha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(WriterKey))).ToLowerInvariant(),
        ["Gateway:Auth:Keys:1:Scopes:0"] = "airtable:read",
        ["Gateway:Auth:Keys:1:Scopes:1"] = "airtable:write",
        ["Gateway:Auth:RouteScopes:0:Route"] = "/api/airtable/{**path}",
        ["Gateway:Auth:RouteScopes:0:Methods:0"] = "POST",
        ["Gateway:Auth:RouteScopes:0:Methods:1"] = "PUT",
        ["Gateway:Auth:RouteScopes:0:Methods:2"] = "PATCH",
        ["Gateway:Auth:RouteScopes:0:Methods:3"] = "DELETE",
        ["Gateway:Auth:RouteScopes:0:Scope"] = "airtable:write",
    };

    private static Task<RawResponse> SendWithKeyAsync(GatewayHost gateway, string key, string method = "GET", string path = "/api/airtable/bases")
    {
        var body = method == "GET" ? "" : "Content-Type: application/json\r\nContent-Length: 2\r\n";
        return RawConnection.SendAsync(gateway.Port,
            $"{method} {path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: {key}\r\n{body}Connection: close\r\n\r\n", method == "GET" ? null : "{}"u8.ToArray());
    }

    [Fact]
    public async Task PlainAndHashedKeys_Accepted_NameSentAsClientId()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, NamedKeys());

        var reader = await SendWithKeyAsync(gateway, ReaderKey);
        var writer = await SendWithKeyAsync(gateway, WriterKey);

        Assert.Equal(200, reader.Status);
        Assert.Equal(200, writer.Status);
        Assert.Equal(["key:reporting", "key:importer"], upstream.Requests.Select(r => r.Header("X-Client-Id")));
        Assert.All(upstream.Requests, r => Assert.False(r.HasHeader("X-API-Key")));
    }

    [Theory]
    [InlineData(ReaderKey)]
    [InlineData(WriterKey)]
    [InlineData(GatewayHost.ApiKey)]
    public async Task KeyDifferingInLastByte_Returns401(string key)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var settings = NamedKeys();
        settings["API_KEY"] = GatewayHost.ApiKey;
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);
        var wrong = key[..^1] + (char)(key[^1] + 1);

        var response = await SendWithKeyAsync(gateway, wrong);

        Assert.Equal(401, response.Status);
        Assert.DoesNotContain(key, response.BodyText, StringComparison.Ordinal);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task KeysChangingOnOneKeepAliveConnection_EachRequestJudgedByItsOwnKey()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, NamedKeys());
        var connections = 0;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = gateway.BaseAddress };
        var readerTypo = ReaderKey[..^1] + "X";
        Assert.Equal(ReaderKey.Length, WriterKey.Length);

        var answers = new List<(int Status, string? Client)>();
        foreach (var key in new[] { ReaderKey, readerTypo, WriterKey, ReaderKey, readerTypo })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/airtable/bases");
            request.Headers.Add("X-API-Key", key);
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            answers.Add((status, status == 200 ? (await upstream.NextRequestAsync()).Header("X-Client-Id") : null));
        }

        Assert.Equal([(200, "key:reporting"), (401, null), (200, "key:importer"), (200, "key:reporting"), (401, null)], answers);
        Assert.Equal(1, connections);
        Assert.Equal(3, upstream.ContactCount);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task WriteWithoutScope_Returns403ProblemAndNotForwarded(string method)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, NamedKeys());

        using var request = new HttpRequestMessage(new HttpMethod(method), "/api/airtable/bases/app1/records/rec1");
        request.Headers.Add("X-API-Key", ReaderKey);
        using var response = await gateway.SendAsync(request);

        var problem = await Problem.AssertAsync(response, 403);
        Assert.Contains("airtable:write", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task ReadWithReadScope_AndWriteWithWriteScope_Forwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, NamedKeys());

        var read = await SendWithKeyAsync(gateway, ReaderKey, "GET");
        var write = await SendWithKeyAsync(gateway, WriterKey, "POST", "/api/airtable/bases/app1/records");

        Assert.Equal(200, read.Status);
        Assert.Equal(200, write.Status);
    }

    [Fact]
    public async Task DefaultApiKeyClient_HoldsEveryScope()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var settings = NamedKeys();
        settings["API_KEY"] = GatewayHost.ApiKey;
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, settings);

        var write = await SendWithKeyAsync(gateway, GatewayHost.ApiKey, "POST", "/api/airtable/bases/app1/records");

        Assert.Equal(200, write.Status);
        Assert.Equal("key:default", (await upstream.NextRequestAsync()).Header("X-Client-Id"));
    }

    [Fact]
    public async Task NoCredentialSource_StartupFailsNamingTheSettings()
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?> { ["API_KEY"] = null });

        foreach (var name in new[] { "API_KEY", "JWT_SECRET", "JWT_AUTHORITY", "Gateway:Auth:Keys" })
        {
            Assert.Contains(name, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ShortJwtSecret_StartupFails_SecretNotShown()
    {
        const string Short = "only-31-bytes-long-secret-value";
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?> { ["JWT_SECRET"] = Short });

        Assert.Contains("JWT_SECRET", error, StringComparison.Ordinal);
        Assert.Contains("32 bytes", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Short, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gateway:Auth:Keys:0:KeySha256", "abc123")]
    [InlineData("Gateway:Auth:Keys:0:Key", "short")]
    public async Task BadNamedKey_StartupFails(string setting, string value)
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?>
        {
            ["Gateway:Auth:Keys:0:Name"] = "client",
            [setting] = value,
        });

        Assert.Contains("Gateway:Auth:Keys:0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRouteInRouteScopes_StartupFails()
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?>
        {
            ["Gateway:Auth:RouteScopes:0:Route"] = "/api/nowhere",
            ["Gateway:Auth:RouteScopes:0:Scope"] = "x",
        });

        Assert.Contains("/api/nowhere", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyJwtSecret_Starts()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["API_KEY"] = null,
            ["JWT_SECRET"] = TestTokens.Secret,
        });

        using var response = await gateway.GetAsync("/livez", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
