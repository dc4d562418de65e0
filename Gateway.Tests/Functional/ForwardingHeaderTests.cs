using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>
/// Contract "Forwarding rules": hop-by-hop headers stripped both ways (including those named by
/// Connection), other headers passed both ways, X-Forwarded-*, Host, client credentials, X-Client-Id.
/// </summary>
public sealed class ForwardingHeaderTests
{
    private static readonly string[] RequestHopByHop =
        ["Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authorization"];

    [Fact]
    public async Task Forward_HopByHopRequestHeaders_NotForwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            "GET /api/airtable/bases HTTP/1.1\r\n" +
            "Host: gw\r\n" +
            $"X-API-Key: {GatewayHost.ApiKey}\r\n" +
            "Connection: close\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "TE: trailers\r\n" +
            "Trailer: X-Checksum\r\n" +
            "Upgrade: foo/1\r\n" +
            "Proxy-Connection: keep-alive\r\n" +
            "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n" +
            "X-Custom: kept\r\n" +
            "Accept: application/json\r\n" +
            "\r\n");

        Assert.Equal(200, response.Status);
        var received = Assert.Single(upstream.Requests);
        foreach (var name in RequestHopByHop)
        {
            Assert.False(received.HasHeader(name), $"{name} reached the upstream: {received.Header(name)}");
        }

        Assert.False(received.HasHeader("Transfer-Encoding"));
        Assert.False(received.HasHeader("Connection"), received.Header("Connection"));
        Assert.Equal("kept", received.Header("X-Custom"));
        Assert.Equal("application/json", received.Header("Accept"));
    }

    // Kestrel (.NET 10) reduces a Connection value that mixes keep-alive/close with extension tokens to the
    // recognised token alone, so the gateway can only honour the extension tokens Kestrel reports; the cases
    // here are the ones it reports in full.
    [Theory]
    [InlineData("X-Foo")]
    [InlineData("X-Foo, x-bar")]
    [InlineData("x-foo ,X-BAR")]
    public async Task Forward_HeadersNamedByConnection_NotForwarded(string connectionHeader)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(
            "GET /api/airtable/bases HTTP/1.1\r\n" +
            "Host: gw\r\n" +
            $"X-API-Key: {GatewayHost.ApiKey}\r\n" +
            $"Connection: {connectionHeader}\r\n" +
            "X-Foo: must-not-pass\r\n" +
            "X-Bar: must-not-pass\r\n" +
            "X-Custom: kept\r\n" +
            "\r\n");
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        var received = Assert.Single(upstream.Requests);
        Assert.False(received.HasHeader("X-Foo"), $"X-Foo reached the upstream with Connection: {connectionHeader}");
        if (connectionHeader.Contains("bar", StringComparison.OrdinalIgnoreCase))
        {
            Assert.False(received.HasHeader("X-Bar"), $"X-Bar reached the upstream with Connection: {connectionHeader}");
        }
        else
        {
            Assert.Equal("must-not-pass", received.Header("X-Bar"));
        }

        Assert.False(received.HasHeader("Connection"), received.Header("Connection"));
        Assert.Equal("kept", received.Header("X-Custom"));
    }

    [Fact]
    public async Task Forward_HopByHopResponseHeaders_NotReturned()
    {
        using var upstream = new RawUpstream(
            "HTTP/1.1 200 OK\r\n" +
            "Content-Type: application/json\r\n" +
            "Content-Length: 11\r\n" +
            "Connection: x-secret, keep-alive\r\n" +
            "X-Secret: hop\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "Proxy-Connection: keep-alive\r\n" +
            "Upgrade: foo/1\r\n" +
            "Trailer: X-Checksum\r\n" +
            "X-Upstream: end-to-end\r\n" +
            "\r\n" +
            "{\"ok\":true}");
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/x HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("{\"ok\":true}", response.BodyText);
        Assert.Equal("end-to-end", response.Header("X-Upstream"));
        foreach (var name in new[] { "X-Secret", "Keep-Alive", "Proxy-Connection", "Upgrade", "Trailer" })
        {
            Assert.False(response.HasHeader(name), $"{name} reached the client: {response.Header(name)}");
        }

        var connection = response.Header("Connection");
        Assert.True(connection is null || !connection.Contains("secret", StringComparison.OrdinalIgnoreCase), connection);
    }

    [Fact]
    public async Task Forward_EndToEndHeaders_PassBothWays()
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(201, "{}", "application/json",
            ("X-Upstream-One", "1"), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"),
            ("Cache-Control", "no-store"), ("ETag", "\"v1\"")));
        await using var gateway = await GatewayHost.StartAsync(upstream);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/x");
        request.Headers.Add("X-Custom", ["a", "b"]);
        request.Headers.Add("Accept-Language", "fr-CH");
        request.Headers.Add("If-Match", "\"v0\"");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Upstream-One")));
        Assert.Equal(["a=1; Path=/", "b=2; Path=/"], response.Headers.GetValues("Set-Cookie"));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("\"v1\"", response.Headers.ETag?.ToString());
        var received = Assert.Single(upstream.Requests);
        Assert.Equal("a, b", string.Join(", ", received.Headers["X-Custom"].SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries))));
        Assert.Equal("fr-CH", received.Header("Accept-Language"));
        Assert.Equal("\"v0\"", received.Header("If-Match"));
    }

    [Fact]
    public async Task Forward_NoXForwardedFor_SetsClientAddressProtoAndHost()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/x HTTP/1.1\r\nHost: api.example.com:8443\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = Assert.Single(upstream.Requests);
        Assert.Equal("127.0.0.1", received.Header("X-Forwarded-For"));
        Assert.Equal("http", received.Header("X-Forwarded-Proto"));
        Assert.Equal("api.example.com:8443", received.Header("X-Forwarded-Host"));
        Assert.Equal($"127.0.0.1:{upstream.Port}", received.Header("Host"));
    }

    [Fact]
    public async Task Forward_ClientXForwardedProtoAndHost_ReplacedByGatewayValues()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            "GET /api/airtable/x HTTP/1.1\r\nHost: api.example.com\r\n" +
            $"X-API-Key: {GatewayHost.ApiKey}\r\n" +
            "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = Assert.Single(upstream.Requests);
        Assert.Equal(["http"], received.Headers["X-Forwarded-Proto"]);
        Assert.Equal(["api.example.com"], received.Headers["X-Forwarded-Host"]);
    }

    [Fact]
    public async Task Forward_ExistingXForwardedFor_ClientAddressAppended()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/x");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7, 198.51.100.2");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(upstream.Requests);
        Assert.Equal("203.0.113.7, 198.51.100.2, 127.0.0.1", received.Header("X-Forwarded-For"));
    }

    [Fact]
    public async Task Forward_ClientCredentialsAndClientId_ReplacedByGatewayIdentity()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/x");
        request.Headers.Add("Authorization", "Bearer client-token");
        request.Headers.Add("X-Client-Id", "admin");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(upstream.Requests);
        Assert.False(received.HasHeader("Authorization"));
        Assert.Equal([GatewayHost.ApiKey], received.Headers["X-API-Key"]);
        Assert.Equal(["key:default"], received.Headers["X-Client-Id"]);
    }

    [Fact]
    public async Task Forward_GatewayPresentsItsOwnKeyUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null,
            new Dictionary<string, string?> { ["API_KEY"] = "gateway-own-key" });

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/airtable/x");
        request.Headers.Add("X-API-Key", "gateway-own-key");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["gateway-own-key"], Assert.Single(upstream.Requests).Headers["X-API-Key"]);
    }

    [Fact]
    public async Task Forward_Traceparent_PropagatedWithSameTraceId()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/x");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceparent = Assert.Single(upstream.Requests).Header("traceparent");
        Assert.NotNull(traceparent);
        Assert.Matches("^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-0[01]$", traceparent);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/livez")]
    [InlineData("/api/airtable/x")]
    [InlineData("/nope")]
    public async Task Response_HasNoServerHeader(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream);

        using var response = await gateway.GetAsync(path);

        Assert.False(response.Headers.Contains("Server"), string.Join(",", response.Headers.Server));
    }

    [Fact]
    public async Task Unauthenticated_Response_HasNoServerHeader()
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync("/api/tools", withKey: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"));
    }
}
