using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Issue 4 hardening: framing and request-target attacks never reach a service; Kestrel limits hold.</summary>
public sealed class HardeningTests
{
    private const string Key = "X-API-Key: " + GatewayHost.ApiKey + "\r\n";

    public static TheoryData<string, string> SmugglingShapes => new()
    {
        { "CL + TE", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/tools HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "TE + CL", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" },
        { "duplicate CL, different", "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x" },
        { "duplicate CL, same", "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" },
        { "CL list", "Content-Length: 2, 2\r\n\r\n{}" },
        { "CL not a number", "Content-Length: 0x2\r\n\r\n{}" },
        { "TE not chunked last", "Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n" },
        { "TE unknown", "Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" },
        { "TE twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" },
        { "bad chunk size", "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n" },
        { "space before colon", "Content-Length : 2\r\n\r\n{}" },
        { "obs-fold", "Content-Length: 2\r\n X-Folded: yes\r\n\r\n{}" },
        { "bare LF line", "Content-Length: 2\nX-Bare: lf\r\n\r\n{}" },
    };

    [Theory]
    [MemberData(nameof(SmugglingShapes))]
    public async Task SmugglingShape_Rejected400_NeverReachesService(string shape, string rest)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            "POST /api/airtable/bases HTTP/1.1\r\nHost: gw\r\n" + Key + "Content-Type: application/json\r\nConnection: close\r\n" + rest);

        Assert.True(response.Status == 400, $"{shape}: got {response.Status}");
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task SignedContentLength_ReachesServiceOnlyAsPlainLength()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            "POST /api/airtable/bases HTTP/1.1\r\nHost: gw\r\n" + Key + "Content-Type: application/json\r\nContent-Length: +2\r\nConnection: close\r\n\r\n{}");

        Assert.Equal(200, response.Status);
        var received = await upstream.NextRequestAsync();
        Assert.Equal("2", received.Header("Content-Length"));
        Assert.False(received.HasHeader("Transfer-Encoding"));
        Assert.Equal("{}"u8.ToArray(), received.Body);
    }

    [Theory]
    [InlineData("GET http://evil.example/api/airtable/bases HTTP/1.1")]
    [InlineData("GET http://127.0.0.1/api/airtable/bases HTTP/1.1")]
    [InlineData("GET * HTTP/1.1")]
    [InlineData("GET //evil.example/api/airtable/bases HTTP/1.1")]
    public async Task NonOriginFormTarget_NeverReachesService(string requestLine)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port, $"{requestLine}\r\nHost: gw\r\n{Key}Connection: close\r\n\r\n");

        Assert.InRange(response.Status, 400, 405);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("/api/airtable/%2e%2e/admin")]
    [InlineData("/api/airtable/%2E%2e/admin")]
    [InlineData("/api/airtable/bases/%2E%2e/%2e%2E/admin")]
    [InlineData("/api/airtable/.%2e/admin")]
    [InlineData("/api/airtable/%2e./admin")]
    [InlineData("/api/airtable/bases%2f..%2fadmin")]
    [InlineData("/api/airtable/bases%5c..%5cadmin")]
    [InlineData("/api/airtable/bases/./x")]
    [InlineData("/api/airtable/bases/%2e/x")]
    [InlineData("/api/airtable/bases/..")]
    [InlineData("/api/airtable/bases/%2e%2e")]
    public async Task DotSegmentInSuffix_Returns400NotForwarded(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port, $"GET {path} HTTP/1.1\r\nHost: gw\r\n{Key}Connection: close\r\n\r\n");

        Assert.True(response.Status == 400, $"{path}: got {response.Status} {response.BodyText}");
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("/api/airtable/../admin")]
    [InlineData("/api/airtable/bases/../../chat")]
    public async Task PlainDotSegments_NeverLeaveTheServicePrefix(string path)
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port, $"GET {path} HTTP/1.1\r\nHost: gw\r\n{Key}Connection: close\r\n\r\n");

        Assert.True(response.Status is 400 or 404 or 405, $"{path}: got {response.Status}");
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task DotsInsideNames_StillForwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/files/report..v2.csv/.well-known HTTP/1.1\r\nHost: gw\r\n{Key}Connection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("/files/report..v2.csv/.well-known", (await upstream.NextRequestAsync()).RawTarget);
    }

    [Fact]
    public async Task TooManyHeaders_Returns431NotForwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);
        var headers = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            headers.Append("X-Filler-").Append(i).Append(": v\r\n");
        }

        var response = await RawConnection.SendAsync(gateway.Port, $"GET /api/tools HTTP/1.1\r\nHost: gw\r\n{Key}{headers}Connection: close\r\n\r\n");

        Assert.Equal(431, response.Status);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task OversizedHeaders_Returns431NotForwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/tools HTTP/1.1\r\nHost: gw\r\n{Key}X-Big: {new string('a', 40 * 1024)}\r\nConnection: close\r\n\r\n");

        Assert.Equal(431, response.Status);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Fact]
    public async Task SlowClientTricklingBody_CutByMinimumDataRate()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Server:MinRequestBodyBytesPerSecond"] = "100",
            ["Gateway:Server:MinDataRateGraceSeconds"] = "2",
        });
        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync($"POST /api/airtable/upload HTTP/1.1\r\nHost: gw\r\n{Key}Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n");

        // One byte every 100 ms is 10 B/s, far under the 100 B/s minimum: Kestrel must close the connection after
        // the two-second grace period. The pauses are the slowness under test; the bounded loop is the deadline.
        using var trickle = new CancellationTokenSource();
        var trickling = Task.Run(async () =>
        {
            for (var i = 0; i < 150 && !trickle.IsCancellationRequested; i++)
            {
                await connection.WriteAsync("x"u8.ToArray());
                await Task.Delay(100, trickle.Token);
            }
        });
        var started = System.Diagnostics.Stopwatch.StartNew();
        var received = await connection.ReadToEndAsync();
        await trickle.CancelAsync();
        await Task.WhenAny(trickling);

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(8), $"cut after {started.Elapsed}");
        var text = Encoding.ASCII.GetString(received);
        Assert.True(text.Length == 0 || text.StartsWith("HTTP/1.1 408", StringComparison.Ordinal) || text.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), text);

        // The upstream request (whose body was being streamed) never completes with the partial body.
        Assert.DoesNotContain(upstream.Requests, r => r.Body.Length == 100000);
    }

    [Fact]
    public async Task SlowHeaders_CutByRequestHeadersTimeout()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Server:RequestHeadersTimeoutSeconds"] = "1",
        });
        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync("GET /api/tools HTTP/1.1\r\nHost: gw\r\n");

        var started = System.Diagnostics.Stopwatch.StartNew();
        var received = Encoding.ASCII.GetString(await connection.ReadToEndAsync());

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"cut after {started.Elapsed}");
        Assert.True(received.Length == 0 || received.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), received);
        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("/nowhere", 404)]
    [InlineData("/api/tools", 401)]
    [InlineData("/", 200)]
    public async Task GatewayOwnResponses_NoServerHeader_Nosniff(string path, int status)
    {
        await using var gateway = await GatewayHost.StartAsync();

        var response = await RawConnection.SendAsync(gateway.Port, $"GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");

        Assert.Equal(status, response.Status);
        Assert.False(response.HasHeader("Server"));
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
    }
}
