using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>
/// Contract "Errors made by the gateway itself" (502, 504) and "Forwarding rules" (client abort
/// cancels the upstream call; a failure after the headers never looks like a complete body).
/// </summary>
public sealed class UpstreamFailureTests
{
    [Theory]
    [InlineData("GET", "/api/airtable/bases")]
    [InlineData("POST", "/api/chat")]
    [InlineData("GET", "/api/tools")]
    public async Task Forward_UpstreamRefuses_Returns502(string method, string path)
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.SendAsync(new HttpMethod(method), path, json: method == "POST" ? """{"message":"hi"}""" : null);

        await Problem.AssertAsync(response, 502);
    }

    [Fact]
    public async Task Forward_UpstreamResetsBeforeHeaders_Returns502()
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.AbortBeforeHeaders());
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 502);
        Assert.True(airtable.ContactCount >= 1);
    }

    [Theory]
    [InlineData("POST", "/api/chat", """{"message":"hi"}""")]
    [InlineData("POST", "/api/airtable/bases/app1/records", """{"fields":{}}""")]
    [InlineData("PATCH", "/api/airtable/bases/app1/records/rec1", """{"fields":{}}""")]
    public async Task Forward_NonIdempotentRequestResetBeforeHeaders_NotReplayed(string method, string path, string json)
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.AbortBeforeHeaders());
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream);

        using var response = await gateway.SendAsync(new HttpMethod(method), path, json: json);

        await Problem.AssertAsync(response, 502);
        Assert.Equal(1, upstream.ContactCount);
    }

    [Fact]
    public async Task Forward_UpstreamClosesWithoutAnswer_Returns502()
    {
        using var upstream = new RawUpstream("");
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null);

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 502);
    }

    [Fact]
    public async Task Forward_UpstreamSendsGarbage_Returns502()
    {
        using var upstream = new RawUpstream("NOT HTTP AT ALL\r\n\r\n");
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null);

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 502);
    }

    [Fact]
    public async Task Forward_UpstreamSlowerThanTimeout_Returns504AndCancelsUpstream()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        airtable.Handler = airtable.NeverAnswer();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "0.5" });

        var stopwatch = Stopwatch.StartNew();
        using var response = await gateway.GetAsync("/api/airtable/bases");
        stopwatch.Stop();

        await Problem.AssertAsync(response, 504);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
        await airtable.NextAbortAsync();
    }

    [Fact]
    public async Task AfterATimeoutAndAClientAbort_LaterRequestsAreNotCancelled()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        var neverAnswer = airtable.NeverAnswer();
        var ok = FakeUpstream.Respond(200, """{"ok":true}""");
        airtable.Handler = (context, recorded) => context.Request.Path.Value!.EndsWith("/slow", StringComparison.Ordinal)
            ? neverAnswer(context, recorded)
            : ok(context, recorded);
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "0.5" });

        using (var timedOut = await gateway.GetAsync("/api/airtable/slow"))
        {
            await Problem.AssertAsync(timedOut, 504);
        }

        using (var connection = await RawConnection.ConnectAsync(gateway.Port))
        {
            await connection.WriteAsync($"GET /api/airtable/slow HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\n\r\n");
            await airtable.NextRequestAsync();
            connection.Abort();
        }

        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.GetAsync($"/api/airtable/bases/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Forward_UpstreamAnswersWithinTimeout_NotA504()
    {
        await using var airtable = await FakeUpstream.StartAsync(async (context, _) =>
        {
            await Task.Delay(200); // well within UPSTREAM_TIMEOUT
            await context.Response.WriteAsync("late but fine");
        });
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "2" });

        using var response = await gateway.GetAsync("/api/airtable/bases");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("late but fine", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_Upstream500_PassedThroughUnchanged()
    {
        const string body = "{\"detail\" : \"boom\"}";
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(500, body));
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        using var response = await gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ClientDisconnectsMidResponse_UpstreamRequestAborted()
    {
        await using var llm = await FakeUpstream.StartAsync();
        llm.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: first\n\n");
            await context.Response.Body.FlushAsync();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, llm.Stopping);
            await linked.Token.WhenCancelled();
        };
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        var body = Encoding.UTF8.GetBytes("""{"message":"hi"}""");
        await connection.WriteAsync(
            $"POST /api/chat HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n",
            body);
        await connection.ReadUntilAsync("data: first");
        connection.Abort();

        await llm.NextAbortAsync();
    }

    [Fact]
    public async Task ClientDisconnectsBeforeResponse_UpstreamRequestAborted()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        airtable.Handler = airtable.NeverAnswer();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync($"GET /api/airtable/slow HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\n\r\n");
        await airtable.NextRequestAsync();
        connection.Abort();

        await airtable.NextAbortAsync();
    }

    [Fact]
    public async Task ClientDisconnectsMidUpload_UpstreamRequestAborted()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync(
            $"POST /api/airtable/upload HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nContent-Length: 100000\r\n\r\n",
            new byte[1000]);
        await airtable.NextContactAsync();
        connection.Abort();

        var aborted = await airtable.NextAbortAsync();
        Assert.Equal("POST", aborted.Method);
        Assert.True(aborted.Body.Length < 100_000);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpstreamFailsMidBody_ClientSeesIncompleteBody(bool withContentLength)
    {
        var clientHasFirstBytes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var airtable = await FakeUpstream.StartAsync(async (context, _) =>
        {
            if (withContentLength)
            {
                context.Response.ContentLength = 100_000;
            }

            await context.Response.WriteAsync("first-part;");
            await context.Response.Body.FlushAsync();
            await clientHasFirstBytes.Task.WithTimeout();
            context.Abort();
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var connection = await RawConnection.ConnectAsync(gateway.Port);
        await connection.WriteAsync($"GET /api/airtable/export HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");
        await connection.ReadUntilAsync("first-part;");
        clientHasFirstBytes.SetResult();
        var response = RawResponse.Parse(await connection.ReadToEndAsync());

        Assert.Equal(200, response.Status);
        var lengthHeader = response.Header("Content-Length");
        if (lengthHeader is not null)
        {
            Assert.Equal("100000", lengthHeader);
            Assert.True(response.Body.Length < 100_000, $"got all {response.Body.Length} bytes announced by Content-Length");
        }
        else
        {
            Assert.Equal("chunked", response.Header("Transfer-Encoding"));
            Assert.False(response.ChunkedComplete, "a truncated chunked body ended with a clean terminating chunk");
        }
    }

    [Fact]
    public async Task UpstreamFailsMidBody_HttpClientReaderThrows()
    {
        var clientHasFirstBytes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var airtable = await FakeUpstream.StartAsync(async (context, _) =>
        {
            await context.Response.WriteAsync("first-part;");
            await context.Response.Body.FlushAsync();
            await clientHasFirstBytes.Task.WithTimeout();
            context.Abort();
        });
        await using var gateway = await GatewayHost.StartAsync(airtable);

        using var response = await gateway.SendAsync(
            GatewayHost.Request(HttpMethod.Get, "/api/airtable/export"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte["first-part;".Length];
        await stream.ReadExactlyAsync(first).AsTask().WithTimeout();
        clientHasFirstBytes.SetResult();

        var error = await Record.ExceptionAsync(() => stream.CopyToAsync(Stream.Null).WithTimeout());
        Assert.True(error is IOException or HttpRequestException, $"body read ended with {error?.GetType().Name ?? "no error"}");
    }
}
