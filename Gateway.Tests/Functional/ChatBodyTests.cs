using System.Net;
using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Errors": chat/execute-tool body must be a JSON object (400) with a JSON content type (415).</summary>
public sealed class ChatBodyTests
{
    public static TheoryData<string, string> BadBodies
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var path in new[] { "/api/chat", "/api/execute-tool" })
            {
                foreach (var body in new[] { "", "{\"message\":", "not json", "[1,2,3]", "[]", "\"text\"", "42", "null", "true", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}" })
                {
                    data.Add(path, body);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Post_BodyNotAJsonObject_Returns400AndNotForwarded(string path, string body)
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        using var request = GatewayHost.Request(HttpMethod.Post, path);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await gateway.SendAsync(request);

        await Problem.AssertAsync(response, 400);
        Assert.Equal(0, llm.ContactCount);
    }

    [Theory]
    [InlineData("/api/chat", "text/plain")]
    [InlineData("/api/chat", "application/x-www-form-urlencoded")]
    [InlineData("/api/chat", "application/xml")]
    [InlineData("/api/execute-tool", "text/plain")]
    [InlineData("/api/execute-tool", "multipart/form-data; boundary=x")]
    [InlineData("/api/chat", "")]
    [InlineData("/api/execute-tool", "")]
    public async Task Post_WrongContentType_Returns415AndNotForwarded(string path, string contentType)
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        using var request = GatewayHost.Request(HttpMethod.Post, path);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"message":"hi"}"""));
        if (contentType.Length > 0)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await gateway.SendAsync(request);

        await Problem.AssertAsync(response, 415);
        Assert.Equal(0, llm.ContactCount);
    }

    [Theory]
    [InlineData("/api/chat", "/chat", "application/json")]
    [InlineData("/api/chat", "/chat", "application/json; charset=utf-8")]
    [InlineData("/api/execute-tool", "/execute-tool", "application/json")]
    [InlineData("/api/execute-tool", "/execute-tool", "application/json; charset=utf-8")]
    public async Task Post_JsonObject_ForwardedByteIdentical(string path, string upstreamPath, string contentType)
    {
        const string body = "{ \"message\" :\t\"h\\u00e9llo\",\n  \"session_id\": \"s-1\", \"n\": 1.0e2 ,\"tool\":{\"args\":[ ]} }  ";
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"response":"hi"}"""));
        await using var gateway = await GatewayHost.StartAsync(null, llm);

        using var request = GatewayHost.Request(HttpMethod.Post, path);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"response":"hi"}""", await response.Content.ReadAsStringAsync());
        var received = Assert.Single(llm.Requests);
        Assert.Equal(upstreamPath, received.RawTarget);
        Assert.Equal(Encoding.UTF8.GetBytes(body), received.Body);
        Assert.Equal(contentType, received.Header("Content-Type"));
    }

    [Fact]
    public async Task Post_ChatOverBodyLimit_Returns413()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(null, llm, null,
            new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "1024" });

        var json = "{\"message\":\"" + new string('a', 2000) + "\"}";
        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: json);

        await Problem.AssertAsync(response, 413);
        Assert.Equal(0, llm.ContactCount);
    }
}
