using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Realtime;

/// <summary>
/// <c>POST /api/v2/chat</c> with <c>stream: true</c> and <c>POST /api/v2/execute-tool</c> with <c>stream_progress</c>:
/// each object of the upstream's stream reaches the session's socket before the upstream sends the next one.
/// </summary>
public sealed class StreamBridgeTests
{
    /// <summary>
    /// An upstream that writes <paramref name="lines"/> one at a time, each only after <paramref name="next"/> lets it
    /// (the test lets it go once the socket has the previous one), so delivery "as it arrives" is proven, not assumed.
    /// </summary>
    internal static Func<HttpContext, RecordedRequest, Task> Gated(string contentType, string[] lines, Func<int, Task> next) =>
        async (context, _) =>
        {
            context.Response.ContentType = contentType;
            await context.Response.StartAsync();
            for (var i = 0; i < lines.Length; i++)
            {
                await next(i);
                var bytes = Encoding.UTF8.GetBytes(lines[i]);

                // Split every line in two writes, so chunk boundaries fall inside objects too.
                var half = bytes.Length / 2;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, half));
                await context.Response.Body.FlushAsync();
                await context.Response.Body.WriteAsync(bytes.AsMemory(half));
                await context.Response.Body.FlushAsync();
            }
        };

    [Theory]
    [InlineData("application/x-ndjson", false)]
    [InlineData("text/event-stream", true)]
    public async Task V2ChatStream_EachChunkPushedAsItArrives_AnswerJoinsDeltas(string contentType, bool sse)
    {
        string[] objects =
        [
            """{"delta":"Hel","token_count":1,"is_complete":false}""",
            """{"delta":"lo \u00e9","token_count":2,"is_complete":false,"extra":{"k":[1,2]}}""",
            """{"delta":"!","token_count":3,"is_complete":true}""",
        ];
        var lines = objects.Select(o => sse ? "data: " + o + "\n\n" : o + "\n").ToArray();
        var received = new TaskCompletionSource[lines.Length];
        for (var i = 0; i < received.Length; i++)
        {
            received[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await using var llm = await FakeUpstream.StartAsync();
        llm.Handler = Gated(contentType, lines, i => i == 0 ? Task.CompletedTask : received[i - 1].Task.WithTimeout());
        await using var gateway = await GatewayHost.StartAsync(llm: llm);
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "chat-1");
        await using var owned = client;

        var post = gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"Hello"}],"session_id":"chat-1","stream":true}""");
        var pushed = new List<JsonElement>();
        for (var i = 0; i < objects.Length; i++)
        {
            pushed.Add(await client.ReceiveAsync());
            Assert.True(i == objects.Length - 1 || !post.IsCompleted); // pushed before the stream ended
            received[i].SetResult();
        }

        using var response = await post;
        var body = await response.Content.ReadAsStringAsync();
        var upstream = await llm.NextRequestAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/chat/stream", upstream.RawTarget);
        Assert.StartsWith("""{"message":"Hello","session_id":"chat-1","stream":true""", Encoding.UTF8.GetString(upstream.Body), StringComparison.Ordinal);
        for (var i = 0; i < objects.Length; i++)
        {
            Assert.Equal("chat_stream", pushed[i].GetProperty("type").GetString());
            Assert.Equal("chat-1", pushed[i].GetProperty("session_id").GetString());
            Assert.Equal(JsonDocument.Parse(objects[i]).RootElement.ToString(), pushed[i].GetProperty("data").ToString());
        }

        using var answer = JsonDocument.Parse(body);
        Assert.Equal("Hello é!", answer.RootElement.GetProperty("response").GetString());
        Assert.Equal("chat-1", answer.RootElement.GetProperty("session_id").GetString());
        Assert.True(answer.RootElement.GetProperty("streaming").GetBoolean());
        Assert.Equal("v2", response.Headers.GetValues("API-Version").Single());
    }

    [Fact]
    public async Task V2ExecuteToolStreamProgress_ProgressPushed_AnswerCarriesResult()
    {
        string[] lines =
        [
            """{"tool_name":"list_tables","status":"running","progress":0.5,"message":"half"}""" + "\n",
            """{"tool_name":"list_tables","status":"completed","progress":1,"message":"done","result":{"tables":["a","b"]}}""" + "\n",
        ];
        await using var mcp = await FakeUpstream.StartAsync();
        mcp.Handler = Gated("application/x-ndjson", lines, _ => Task.CompletedTask);
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(llm: llm, mcp: mcp);
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "tool-1");
        await using var owned = client;

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/v2/execute-tool",
            json: """{"tool_name":"list_tables","arguments":{},"session_id":"tool-1","stream_progress":true}""");
        var first = await client.ReceiveAsync();
        var second = await client.ReceiveAsync();
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var upstream = await mcp.NextRequestAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/tools/execute", upstream.RawTarget);
        Assert.Equal(0, llm.ContactCount);
        Assert.Equal("tool_progress", first.GetProperty("type").GetString());
        Assert.Equal("running", first.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("completed", second.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("""{"tables":["a","b"]}""", answer.RootElement.GetProperty("result").GetRawText());
        Assert.Equal("tool-1", answer.RootElement.GetProperty("session_id").GetString());
        Assert.Equal("list_tables", answer.RootElement.GetProperty("tool_name").GetString());
    }

    [Theory]
    [InlineData("/api/chat", """{"message":"hi","session_id":"s","stream":true}""", "/chat")]
    [InlineData("/api/v1/chat", """{"message":"hi","session_id":"s","stream":true}""", "/chat")]
    [InlineData("/api/v2/chat", """{"messages":[{"role":"user","content":"hi"}],"session_id":"s","stream":false}""", "/chat")]
    [InlineData("/api/v2/chat", """{"messages":[{"role":"user","content":"hi"}],"stream":true}""", "/chat")]
    [InlineData("/api/v1/execute-tool", """{"tool_name":"t","session_id":"s","stream_progress":true}""", "/execute-tool")]
    [InlineData("/api/v2/execute-tool", """{"tool_name":"t","session_id":"s"}""", "/execute-tool")]
    public async Task NotAStreamingRequest_PassedThroughUnchanged(string path, string body, string upstreamPath)
    {
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"answer":1}"""));
        await using var mcp = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(llm: llm, mcp: mcp);

        using var response = await gateway.SendAsync(HttpMethod.Post, path, json: body);
        var upstream = await llm.NextRequestAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"answer":1}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(upstreamPath, upstream.RawTarget);
        Assert.Equal(0, mcp.ContactCount);
    }

    [Fact]
    public async Task UpstreamRefuses_ErrorPassedThrough()
    {
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(422, """{"detail":"no"}"""));
        await using var gateway = await GatewayHost.StartAsync(llm: llm);

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"s","stream":true}""");

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("""{"detail":"no"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpstreamUnreachable_502()
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"s","stream":true}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UpstreamSendsNonJson_502_ObjectsBeforeStillPushed()
    {
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, "{\"delta\":\"a\"}\nnot json\n", "application/x-ndjson"));
        await using var gateway = await GatewayHost.StartAsync(llm: llm);
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s");
        await using var owned = client;

        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"s","stream":true}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("a", (await client.ReceiveAsync()).GetProperty("data").GetProperty("delta").GetString());
    }

    [Fact]
    public async Task ClientGoesAway_UpstreamStreamCancelled()
    {
        await using var llm = await FakeUpstream.StartAsync();
        var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        llm.Handler = async (context, _) =>
        {
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.WriteAsync("{\"delta\":\"a\"}\n");
            await context.Response.Body.FlushAsync();
            firstSent.TrySetResult();
            await context.RequestAborted.WhenCancelled();
        };
        await using var gateway = await GatewayHost.StartAsync(llm: llm);
        var (client, _) = await HubClient.ConnectAuthenticatedAsync(gateway, "s");
        await using var owned = client;
        using var cts = new CancellationTokenSource();
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/v2/chat",
            json: """{"messages":[{"role":"user","content":"hi"}],"session_id":"s","stream":true}""");

        var post = gateway.Client.SendAsync(request, cts.Token);
        await client.ReceiveAsync();
        await firstSent.Task.WithTimeout();
        await cts.CancelAsync();

        await llm.NextAbortAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);
    }
}
