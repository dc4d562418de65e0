using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>
/// Contract "Forwarding rules" at the byte level: message framing towards the client and the
/// upstream, and requests that try to smuggle a second request past authentication.
/// </summary>
public sealed class WireTests
{
    [Fact]
    public async Task Response_FixedLengthUpstreamAnswer_KeepsContentLength()
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"records":[]}"""));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/bases HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("14", response.Header("Content-Length"));
        Assert.False(response.HasHeader("Transfer-Encoding"));
        Assert.Equal("""{"records":[]}""", response.BodyText);
    }

    [Fact]
    public async Task Response_HeadAnswer_KeepsTheUpstreamsContentLengthWithoutABody()
    {
        await using var airtable = await FakeUpstream.StartAsync(static (context, _) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 2048;
            return Task.CompletedTask;
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"HEAD /api/airtable/bases HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal(["2048"], response.Values("Content-Length"));
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.False(response.HasHeader("Transfer-Encoding"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task Response_UnknownLengthUpstreamAnswer_ChunkedWithoutContentLength()
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, _) =>
        {
            await context.Response.WriteAsync("part-1;");
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync("part-2");
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/bases HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("chunked", response.Header("Transfer-Encoding"));
        Assert.False(response.HasHeader("Content-Length"));
        Assert.True(response.ChunkedComplete);
        Assert.Equal("part-1;part-2", response.BodyText);
    }

    [Fact]
    public async Task Request_TwoKeptAliveRequests_BothForwardedInOrder()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(
            $"POST /api/airtable/one HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nContent-Length: 5\r\n\r\nfirst" +
            $"POST /api/airtable/two HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n");
        var first = await connection.ReadResponseAsync();

        Assert.Equal(200, first.Status);
        var one = await airtable.NextRequestAsync();
        var two = await airtable.NextRequestAsync();
        Assert.Equal(("/one", "first"), (one.RawTarget, Encoding.ASCII.GetString(one.Body)));
        Assert.Equal(("/two", "second"), (two.RawTarget, Encoding.ASCII.GetString(two.Body)));
    }

    [Fact]
    public async Task Request_ContentLengthAndChunked_NeverBothSentUpstreamNorSmuggled()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var smuggled = "GET /api/airtable/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n";
        var body = "0\r\n\r\n" + smuggled;
        var response = await RawConnection.SendAsync(gateway.Port,
            "POST /api/airtable/front HTTP/1.1\r\n" +
            "Host: gw\r\n" +
            $"X-API-Key: {GatewayHost.ApiKey}\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            "Transfer-Encoding: chunked\r\n" +
            "\r\n" +
            body);

        Assert.True(response.Status is 200 or 400, $"status {response.Status}");
        Assert.DoesNotContain(airtable.Requests, r => r.RawTarget.Contains("smuggled", StringComparison.Ordinal));
        Assert.DoesNotContain(airtable.Requests, r => r.HasHeader("Content-Length") && r.HasHeader("Transfer-Encoding"));
        Assert.All(airtable.Requests, r => Assert.DoesNotContain("smuggled", Encoding.ASCII.GetString(r.Body), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_PipelinedUnauthenticatedRequest_NotForwarded()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(
            $"POST /api/airtable/front HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
            "GET /api/airtable/smuggled HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        var raw = Encoding.ASCII.GetString(await connection.ReadToEndAsync());

        Assert.StartsWith("HTTP/1.1 200", raw, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 401", raw, StringComparison.Ordinal);
        Assert.Equal(["/front"], airtable.Requests.Select(r => r.RawTarget));
    }

    [Fact]
    public async Task Request_Http10Client_GetsAnAnswerItCanFrame()
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, _) =>
        {
            await context.Response.WriteAsync("streamed-");
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync("body");
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/bases HTTP/1.0\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.False(response.HasHeader("Transfer-Encoding"), "chunked sent to an HTTP/1.0 client");
        Assert.Equal("streamed-body", response.BodyText);
    }
}
