using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>
/// Contract "Forwarding rules": raw path suffix and query byte for byte, bodies streamed both ways
/// and byte-identical, upstream answers unchanged, empty/204/304, chunk-by-chunk SSE, body limit.
/// </summary>
public sealed class ForwardingBodyTests
{
    [Theory]
    [InlineData("/api/airtable/a%2Fb/c", "/a%2Fb/c")]
    [InlineData("/api/airtable/caf%C3%A9/%E2%9C%93", "/caf%C3%A9/%E2%9C%93")]
    [InlineData("/api/airtable/a%20b/c+d", "/a%20b/c+d")]
    [InlineData("/api/airtable/x?q=a+b", "/x?q=a+b")]
    [InlineData("/api/airtable/x?path=%2Ffoo%2Fbar", "/x?path=%2Ffoo%2Fbar")]
    [InlineData("/api/airtable/x?a=1&a=2&a=3", "/x?a=1&a=2&a=3")]
    [InlineData("/api/airtable/x?empty=&flag&=v&&last=", "/x?empty=&flag&=v&&last=")]
    [InlineData("/api/airtable/x?name=%C3%A9t%C3%A9&q=%25", "/x?name=%C3%A9t%C3%A9&q=%25")]
    [InlineData("/api/airtable/x?filterByFormula=%7BName%7D%3D%27A%27&sort%5B0%5D%5Bfield%5D=Name", "/x?filterByFormula=%7BName%7D%3D%27A%27&sort%5B0%5D%5Bfield%5D=Name")]
    [InlineData("/api/airtable/x?", "/x?")]
    public async Task Forward_PathSuffixAndQuery_ByteIdentical(string clientTarget, string upstreamTarget)
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET {clientTarget} HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal(upstreamTarget, Assert.Single(airtable.Requests).RawTarget);
    }

    [Fact]
    public async Task Forward_SessionId_PassedEncoded()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/sessions/a%2Fb%C3%A9/history?limit=5 HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("/sessions/a%2Fb%C3%A9/history?limit=5", Assert.Single(llm.Requests).RawTarget);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Forward_FiveMegabyteBinaryUpload_ArrivesByteIdentical(bool withContentLength)
    {
        var body = Bodies.Random(5 * 1024 * 1024, seed: 5);
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var request = GatewayHost.Request(HttpMethod.Put, "/api/airtable/attachments/upload");
        request.Content = withContentLength ? new ByteArrayContent(body) : new PacedContent(body, 20, TimeSpan.Zero);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(airtable.Requests);
        Assert.Equal(body.Length, received.Body.Length);
        Assert.Equal(Bodies.Sha256(body), Bodies.Sha256(received.Body));
        Assert.Equal("application/octet-stream", received.Header("Content-Type"));
        Assert.False(received.HasHeader("Content-Length") && received.HasHeader("Transfer-Encoding"),
            "both Content-Length and Transfer-Encoding sent upstream");
        if (withContentLength)
        {
            Assert.Equal("5242880", received.Header("Content-Length"));
        }
    }

    [Fact]
    public async Task Forward_EmptyPost_ArrivesWithEmptyBody()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"POST /api/airtable/bases/app1/sync HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = Assert.Single(airtable.Requests);
        Assert.Equal("POST", received.Method);
        Assert.Empty(received.Body);
        Assert.False(received.HasHeader("Transfer-Encoding"), "an empty body was sent chunked");
    }

    [Fact]
    public async Task Forward_BodylessGet_SentWithoutBody()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var response = await gateway.GetAsync("/api/airtable/bases");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(airtable.Requests);
        Assert.False(received.HasHeader("Transfer-Encoding"));
        Assert.True(received.Header("Content-Length") is null or "0", received.Header("Content-Length"));
        Assert.Empty(received.Body);
    }

    [Theory]
    [InlineData(400, "{ \"error\" :  \"bad\" ,\n  \"n\":1.50 }")]
    [InlineData(404, "{\"error\":\"NOT_FOUND\",\"message\":\"Could not find table tblX\"}  ")]
    [InlineData(422, "[ 1,2 ,3 ]")]
    [InlineData(500, "{\"detail\":\"Internal Server Error\",\"trace\":\"\\u00e9\"}\n")]
    [InlineData(503, "upstream says no")]
    [InlineData(200, "{\n\t\"big\": 12345678901234567890123, \"dup\":1, \"dup\":2 }")]
    public async Task Forward_UpstreamAnswer_ReachesClientUnchanged(int status, string body)
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(status, body, "application/json; charset=utf-8",
            ("X-Upstream-Error", "yes"), ("Retry-After", "7")));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var response = await gateway.GetAsync("/api/airtable/bases/app1");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(body), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("yes", Assert.Single(response.Headers.GetValues("X-Upstream-Error")));
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("Retry-After")));
    }

    [Fact]
    public async Task Forward_Upstream204_ClientGets204WithoutBody()
    {
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(204, null, "", ("X-Deleted", "s-1")));
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"DELETE /api/sessions/s-1 HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(204, response.Status);
        Assert.Empty(response.Body);
        Assert.False(response.HasHeader("Transfer-Encoding"));
        Assert.Equal("s-1", response.Header("X-Deleted"));
        Assert.Equal("DELETE", Assert.Single(llm.Requests).Method);
    }

    [Fact]
    public async Task Forward_Upstream304_ClientGets304WithValidators()
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(304, null, "", ("ETag", "\"abc\""), ("Cache-Control", "max-age=60")));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/bases HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nIf-None-Match: \"abc\"\r\nConnection: close\r\n\r\n");

        Assert.Equal(304, response.Status);
        Assert.Empty(response.Body);
        Assert.False(response.HasHeader("Transfer-Encoding"));
        Assert.Equal("\"abc\"", response.Header("ETag"));
        Assert.Equal("\"abc\"", Assert.Single(airtable.Requests).Header("If-None-Match"));
    }

    [Fact]
    public async Task Forward_ServerSentEvents_ArriveChunkByChunk()
    {
        var secondChunkAllowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await FakeUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.WriteAsync("data: {\"token\":\"Hel\"}\n\n");
            await context.Response.Body.FlushAsync();
            await secondChunkAllowed.Task.WithTimeout();
            await context.Response.WriteAsync("data: {\"token\":\"lo\"}\n\ndata: [DONE]\n\n");
        });
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        using var response = await gateway.SendAsync(
            GatewayHost.Request(HttpMethod.Post, "/api/chat", json: """{"message":"hi","stream":true}"""),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();

        var first = await ReadAtLeastAsync(stream, "data: {\"token\":\"Hel\"}\n\n".Length);
        Assert.Equal("data: {\"token\":\"Hel\"}\n\n", first);
        secondChunkAllowed.SetResult();
        var rest = await new StreamReader(stream).ReadToEndAsync().WithTimeout();
        Assert.Equal("data: {\"token\":\"lo\"}\n\ndata: [DONE]\n\n", rest);
    }

    [Fact]
    public async Task Forward_SlowResponseBodyAfterHeaders_NotCutByUpstreamTimeout()
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, _) =>
        {
            await context.Response.WriteAsync("part1;");
            await context.Response.Body.FlushAsync();
            await Task.Delay(700); // slower than UPSTREAM_TIMEOUT: the slowness under test
            await context.Response.WriteAsync("part2;");
            await context.Response.Body.FlushAsync();
            await Task.Delay(700);
            await context.Response.WriteAsync("part3");
        });
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "0.5" });

        using var response = await gateway.GetAsync("/api/airtable/export");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("part1;part2;part3", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_SlowUploadThenQuickHeaders_NotA504()
    {
        var body = Bodies.Random(30_000, seed: 3);
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"stored":true}"""));
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "0.5" });

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        request.Content = new PacedContent(body, 4, TimeSpan.FromMilliseconds(400));
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"stored":true}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(Bodies.Sha256(body), Bodies.Sha256(Assert.Single(airtable.Requests).Body));
    }

    [Theory]
    [InlineData(1024, 200)]
    [InlineData(1025, 413)]
    [InlineData(64 * 1024, 413)]
    public async Task Forward_BodyWithContentLength_LimitEnforcedBeforeForwarding(int size, int expected)
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "1024" });

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        request.Headers.ExpectContinue = true; // a 413 may come before the body is read
        request.Content = new ByteArrayContent(Bodies.Random(size, seed: size));
        using var response = await gateway.SendAsync(request);

        if (expected == 413)
        {
            await Problem.AssertAsync(response, 413);
            Assert.Equal(0, airtable.ContactCount);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(size, Assert.Single(airtable.Requests).Body.Length);
        }
    }

    [Theory]
    [InlineData(1025)]
    [InlineData(200_000)]
    public async Task Forward_ChunkedBodyOverLimit_Returns413WithoutContactingUpstream(int size)
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "1024" });

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        request.Content = new PacedContent(Bodies.Random(size, seed: 7), 1, TimeSpan.Zero);
        HttpResponseMessage response;
        try
        {
            response = await gateway.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // A large body may still be in flight when the gateway answers 413 and closes the
            // connection; the client then sees a reset instead of the answer. Only the small
            // body is guaranteed to be read back.
            Assert.True(size > 1025);
            Assert.Equal(0, airtable.ContactCount);
            return;
        }

        using (response)
        {
            await Problem.AssertAsync(response, 413);
        }

        Assert.Equal(0, airtable.ContactCount);
    }

    [Fact]
    public async Task Forward_ChunkedBodyOverLimitArrivingInPieces_Returns413_UpstreamNeverGetsACompleteBody()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "1024" });

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        request.Content = new PacedContent(Bodies.Random(1500, seed: 8), 3, TimeSpan.FromMilliseconds(150));
        using var response = await gateway.SendAsync(request);

        // A body of unknown length is streamed, never held: the upstream may have seen its start, but the
        // gateway cuts the upstream request as the limit is crossed, so no complete request ever reaches it.
        await Problem.AssertAsync(response, 413);
        if (airtable.ContactCount > 0)
        {
            var cut = await airtable.NextAbortAsync();
            Assert.True(cut.Body.Length <= 1024, $"the upstream received {cut.Body.Length} bytes");
        }

        Assert.DoesNotContain(airtable.Requests, r => r.Body.Length == 1500);
    }

    [Fact]
    public async Task Forward_ChunkedBodyWithinLimit_Forwarded()
    {
        var body = Bodies.Random(1024, seed: 11);
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "1024" });

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        request.Content = new PacedContent(body, 4, TimeSpan.Zero);
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Bodies.Sha256(body), Bodies.Sha256(Assert.Single(airtable.Requests).Body));
    }

    private static async Task<string> ReadAtLeastAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WithTimeout();
        return Encoding.UTF8.GetString(buffer);
    }
}
