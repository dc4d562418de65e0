using System.Net;
using System.Text;
using PyAirtable.Gateway.Tests.Infrastructure;
using PyAirtable.Gateway.Transforms;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>CONTRACT-2 "The v2 chat body" over real sockets: what the orchestrator receives, and what the client is told.</summary>
public sealed class V2ChatRouteTests
{
    private static async Task<(HttpResponseMessage Response, FakeUpstream Llm, GatewayHost Gateway)> PostAsync(string body, string contentType = "application/json", IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"response":"hi"}"""));
        var gateway = await GatewayHost.StartAsync(llm: llm, overrides: overrides);
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/v2/chat");
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return (await gateway.SendAsync(request), llm, gateway);
    }

    [Fact]
    public async Task Post_TrickyBody_OrchestratorGetsTransformedBytes_ResponseUntouched()
    {
        const string Body = """{"messages":[{"role":"user","content":"first"},{"role":"user","content":"caf\u00e9 \ud83d\ude00"}],"session_id":"s1","big":1e400,"long":12345678901234567890,"nested":{"a":[1,{"b":"\u0041"}]},"dup":1,"dup":2}""";
        var (response, llm, gateway) = await PostAsync(Body);
        await using (llm)
        await using (gateway)
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"response":"hi"}""", await response.Content.ReadAsStringAsync());
            Assert.Equal("v2", response.Headers.GetValues("API-Version").Single());
            var received = Assert.Single(llm.Requests);
            Assert.Equal("POST", received.Method);
            Assert.Equal("/chat", received.RawTarget);
            const string Expected = """{"message":"caf\u00e9 \ud83d\ude00","session_id":"s1","big":1e400,"long":12345678901234567890,"nested":{"a":[1,{"b":"\u0041"}]},"dup":1,"dup":2}""";
            Assert.Equal(Expected, Encoding.UTF8.GetString(received.Body));
            Assert.Equal(Encoding.UTF8.GetByteCount(Expected).ToString(System.Globalization.CultureInfo.InvariantCulture), received.Header("Content-Length"));
            Assert.Equal("application/json", received.Header("Content-Type"));
        }
    }

    [Theory]
    [InlineData("""{"messages":[]}""", V2ChatBody.EmptyMessages)]
    [InlineData("""{"messages":[{"role":"assistant","content":"x"}]}""", V2ChatBody.NoUserMessage)]
    [InlineData("""{"messages":[{"role":"user","content":""}]}""", V2ChatBody.EmptyContent)]
    public async Task Post_ContractProblem_400WithExactDetail_NothingForwarded(string body, string detail)
    {
        var (response, llm, gateway) = await PostAsync(body);
        await using (llm)
        await using (gateway)
        using (response)
        {
            var problem = await Problem.AssertAsync(response, 400);
            Assert.Equal(detail, problem.GetProperty("detail").GetString());
            Assert.Equal(0, llm.ContactCount);
        }
    }

    [Theory]
    [InlineData("""{"messages":"hello"}""", "application/json", 400, "'messages'")]
    [InlineData("""{"messages":[{"role":"user","content":7}]}""", "application/json", 400, "'messages[0].content'")]
    [InlineData("""[{"role":"user","content":"x"}]""", "application/json", 400, "JSON object")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "text/plain", 415, "application/json")]
    public async Task Post_BadBody_RefusedLikeV1Chat(string body, string contentType, int status, string detail)
    {
        var (response, llm, gateway) = await PostAsync(body, contentType);
        await using (llm)
        await using (gateway)
        using (response)
        {
            var problem = await Problem.AssertAsync(response, status);
            Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, llm.ContactCount);
        }
    }

    [Fact]
    public async Task Post_OverBodyLimit_Returns413()
    {
        var body = """{"messages":[{"role":"user","content":"x"}],"pad":""" + "\"" + new string('a', 2000) + "\"}";
        var (response, llm, gateway) = await PostAsync(body, overrides: new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "1024" });
        await using (llm)
        await using (gateway)
        using (response)
        {
            await Problem.AssertAsync(response, 413);
            Assert.Equal(0, llm.ContactCount);
        }
    }
}
