using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Tests.Security;
using PyAirtable.Gateway.Tests.Tunnel;

namespace PyAirtable.Gateway.Tests.Https;

/// <summary>The gateway over TLS with ALPN: an HTTP/2-only client reaches every kind of route, and gets HTTP/2 answers.</summary>
public sealed class Http2Tests
{
    private static HttpRequestMessage Request(HttpMethod method, string path, bool withKey = true, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (withKey)
        {
            request.Headers.Add("X-API-Key", GatewayHost.ApiKey);
        }

        return request;
    }

    [Fact]
    public async Task Http2_ForwardedGetAndPost_AnsweredOverHttp2WithBodies()
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, record) =>
            await FakeUpstream.WriteAsync(context, 200, record.Body.Length == 0 ? """{"bases":[]}"""u8.ToArray() : record.Body, "application/json"));
        await using var gateway = await HttpsGateway.StartAsync(airtable.Url);
        using var client = gateway.CreateHttp2Client();

        using var get = await client.SendAsync(Request(HttpMethod.Get, "/api/airtable/bases?x=1")).WithTimeout();
        Assert.Equal(HttpVersion.Version20, get.Version);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("""{"bases":[]}""", await get.Content.ReadAsStringAsync());

        var body = new string('a', 100_000);
        using var post = await client.SendAsync(Request(HttpMethod.Post, "/api/airtable/bases", content: new StringContent($$"""{"name":"{{body}}"}""", Encoding.UTF8, "application/json"))).WithTimeout();
        Assert.Equal(HttpVersion.Version20, post.Version);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal($$"""{"name":"{{body}}"}""", await post.Content.ReadAsStringAsync());

        var received = airtable.Requests;
        Assert.Equal("/bases?x=1", received[0].RawTarget);
        Assert.Equal("https", received[0].Header("X-Forwarded-Proto"));
        Assert.Equal("POST", received[1].Method);
    }

    [Fact]
    public async Task Http2_GatewayErrors_ProblemJsonOverHttp2()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(airtable.Url, overrides: new Dictionary<string, string?>
        {
            ["MAX_REQUEST_BODY_BYTES"] = "1024",
            ["RATE_LIMIT_PER_MINUTE"] = "3",
        });
        using var client = gateway.CreateHttp2Client();

        using var unauthorized = await client.SendAsync(Request(HttpMethod.Get, "/api/airtable/bases", withKey: false)).WithTimeout();
        using var notFound = await client.SendAsync(Request(HttpMethod.Get, "/nowhere")).WithTimeout();
        using var tooLarge = await client.SendAsync(Request(HttpMethod.Post, "/api/airtable/bases", content: new StringContent(new string('x', 5000), Encoding.UTF8, "application/json"))).WithTimeout();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 5 && limited is null; i++)
        {
            var response = await client.SendAsync(Request(HttpMethod.Get, "/api/airtable/bases")).WithTimeout();
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        foreach (var (response, status) in new[] { (unauthorized, 401), (notFound, 404), (tooLarge, 413), (limited!, 429) })
        {
            Assert.NotNull(response);
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"\"status\":{status}", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        limited!.Dispose();
    }

    [Fact]
    public async Task Http2_ServerSentEvents_ArriveEventByEvent()
    {
        var secondAllowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await FakeUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"token\":\"Hel\"}\n\n");
            await context.Response.Body.FlushAsync();
            await secondAllowed.Task.WithTimeout();
            await context.Response.WriteAsync("data: {\"token\":\"lo\"}\n\n");
        });
        await using var gateway = await HttpsGateway.StartAsync(llm: llm.Url);
        using var client = gateway.CreateHttp2Client();

        using var response = await client.SendAsync(
            Request(HttpMethod.Post, "/api/chat", content: new StringContent("""{"message":"hi","stream":true}""", Encoding.UTF8, "application/json")),
            HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();

        var first = "data: {\"token\":\"Hel\"}\n\n";
        var buffer = new byte[first.Length];
        await stream.ReadExactlyAsync(buffer).AsTask().WithTimeout(); // before the service sends the second event
        Assert.Equal(first, Encoding.UTF8.GetString(buffer));
        secondAllowed.SetResult();
        Assert.Equal("data: {\"token\":\"lo\"}\n\n", await new StreamReader(stream).ReadToEndAsync().WithTimeout());
    }

    [Theory]
    [InlineData("/api/health", "application/json")]
    [InlineData("/metrics", "text/plain")]
    [InlineData("/livez", null)]
    public async Task Http2_GatewayOwnEndpoints_AnsweredOverHttp2(string path, string? mediaType)
    {
        await using var gateway = await HttpsGateway.StartAsync();
        using var client = gateway.CreateHttp2Client();

        using var response = await client.SendAsync(Request(HttpMethod.Get, path)).WithTimeout();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.True((int)response.StatusCode is 200 or 503, $"{path}: {(int)response.StatusCode}");
        if (mediaType is not null)
        {
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Https_Http11Client_StillServedByAlpn()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(airtable.Url);
        using var client = new HttpClient(gateway.CreateHandler("http/1.1")) { BaseAddress = gateway.BaseAddress };

        var request = Request(HttpMethod.Get, "/api/airtable/bases");
        request.Version = HttpVersion.Version11;
        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Https_CertificateFileMissing_StartFailsNamingThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "gateway.pfx");
        var overrides = HttpsGateway.EndpointSettings(missing);

        var error = await StartupErrors.CaptureAsync(overrides);

        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints:Https:Certificate:Path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_CertificateFileNotACertificate_StartFails()
    {
        var folder = Directory.CreateTempSubdirectory("gateway-https-bad-").FullName;
        try
        {
            var path = Path.Combine(folder, "gateway.pfx");
            await File.WriteAllTextAsync(path, "not a certificate");

            var error = await StartupErrors.CaptureAsync(HttpsGateway.EndpointSettings(path));

            Assert.False(string.IsNullOrEmpty(error));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WebSocketOverHttp2_Rfc8441_TunnelledToAnHttp11Service()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(overrides: TunnelGateway.Routes(upstream.Url));
        using var invoker = new HttpMessageInvoker(gateway.CreateHandler());
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-API-Key", GatewayHost.ApiKey);

        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{gateway.Port}/ws/room?id=7"), invoker, CancellationToken.None).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode); // RFC 8441: the 101 becomes a 200 on the stream
        var handshake = await upstream.NextHandshakeAsync();
        Assert.Equal("/up/room?id=7", handshake["X-Test-Path"].ToString());
        Assert.Equal("websocket", handshake["Upgrade"].ToString(), ignoreCase: true);
        Assert.Equal(24, handshake["Sec-WebSocket-Key"].ToString().Length);

        await socket.SendAsync("over h2"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, data, _) = await TunnelGateway.ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("over h2", Encoding.UTF8.GetString(data));

        var payload = new byte[256 * 1024];
        Random.Shared.NextBytes(payload);
        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None).WithTimeout();
        Assert.Equal(payload, (await TunnelGateway.ReceiveAsync(socket)).Data);

        await socket.CloseAsync((WebSocketCloseStatus)4003, "h2 bye", CancellationToken.None).WithTimeout();
        var (status, reason) = await upstream.NextCloseAsync();
        Assert.Equal((WebSocketCloseStatus)4003, status);
        Assert.Equal("h2 bye", reason);
    }

    [Fact]
    public async Task WebSocketOverHttp2_ServiceAborts_ClientSeesItWithinOneSecond()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(overrides: TunnelGateway.Routes(upstream.Url));
        using var invoker = new HttpMessageInvoker(gateway.CreateHandler());
        using var socket = await ConnectHttp2Async(gateway, invoker, "/ws/x");

        await socket.SendAsync("abort"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => TunnelGateway.ReceiveAsync(socket, TimeSpan.FromSeconds(1)));
        Assert.NotEqual(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task WebSocketOverHttp2_ClientAborts_ServiceSeesItWithinOneSecond()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(overrides: TunnelGateway.Routes(upstream.Url));
        using var invoker = new HttpMessageInvoker(gateway.CreateHandler());
        var socket = await ConnectHttp2Async(gateway, invoker, "/ws/x");
        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await TunnelGateway.ReceiveAsync(socket);

        socket.Abort();
        socket.Dispose();

        await upstream.NextVanishedAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task WebSocketOverHttp2_ServiceAnswers404_OrdinaryResponseNothingTunnelled()
    {
        await using var service = await FakeUpstream.StartAsync(FakeUpstream.Respond(404, """{"missing":true}"""));
        await using var gateway = await HttpsGateway.StartAsync(overrides: TunnelGateway.Routes(service.Url));
        using var invoker = new HttpMessageInvoker(gateway.CreateHandler());

        var error = await Assert.ThrowsAsync<WebSocketException>(() => ConnectHttp2Async(gateway, invoker, "/ws/x"));

        Assert.NotNull(error);
        Assert.Equal("websocket", Assert.Single(service.Requests).Header("Upgrade"));
    }

    private static async Task<ClientWebSocket> ConnectHttp2Async(HttpsGateway gateway, HttpMessageInvoker invoker, string path)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.SetRequestHeader("X-API-Key", GatewayHost.ApiKey);
        try
        {
            await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{gateway.Port}{path}"), invoker, CancellationToken.None).WithTimeout();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [Theory]
    [InlineData("ws-reader-key-0001", HttpStatusCode.Forbidden)]
    [InlineData("ws-user-key-000002", HttpStatusCode.OK)]
    public async Task WebSocketOverHttp2_ScopesForTheGetHandshake_ApplyToTheExtendedConnect(string key, HttpStatusCode expected)
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(upstream.Url, overrides: new Dictionary<string, string?>
        {
            ["Gateway:Routes:airtable:WebSocket"] = "true",
            ["Gateway:Auth:Keys:0:Name"] = "reader",
            ["Gateway:Auth:Keys:0:Key"] = "ws-reader-key-0001",
            ["Gateway:Auth:Keys:1:Name"] = "user",
            ["Gateway:Auth:Keys:1:Key"] = "ws-user-key-000002",
            ["Gateway:Auth:Keys:1:Scopes:0"] = "ws:use",
            ["Gateway:Auth:RouteScopes:0:Route"] = "/api/airtable/{**path}",
            ["Gateway:Auth:RouteScopes:0:Methods:0"] = "GET",
            ["Gateway:Auth:RouteScopes:0:Scope"] = "ws:use",
        });
        using var invoker = new HttpMessageInvoker(gateway.CreateHandler());
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-API-Key", key);

        try
        {
            await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{gateway.Port}/api/airtable/x"), invoker, CancellationToken.None).WithTimeout();
        }
        catch (WebSocketException)
        {
        }

        Assert.Equal(expected, socket.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocketOverHttp2_OnARouteWithoutThePolicy_Refused()
    {
        await using var upstream = await WebSocketUpstream.StartAsync();
        await using var gateway = await HttpsGateway.StartAsync(overrides: TunnelGateway.Routes(upstream.Url));
        using var invoker = new HttpMessageInvoker(gateway.CreateHandler());
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-API-Key", GatewayHost.ApiKey);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"wss://127.0.0.1:{gateway.Port}/plain/x"), invoker, CancellationToken.None).WithTimeout());

        Assert.Equal(HttpStatusCode.MethodNotAllowed, socket.HttpStatusCode);
    }
}
