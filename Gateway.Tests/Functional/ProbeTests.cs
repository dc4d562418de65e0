using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Routes": GET / service info, /livez, /readyz (no auth, no upstream).</summary>
public sealed class ProbeTests
{
    [Fact]
    public async Task Root_ReturnsServiceInfoJson()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        using var response = await gateway.GetAsync("/", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("service").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("version").GetString()));
        var endpoints = json.GetProperty("endpoints");
        Assert.True(endpoints.ValueKind is JsonValueKind.Array or JsonValueKind.Object, endpoints.ValueKind.ToString());
        var listed = endpoints.GetRawText();
        foreach (var expected in new[] { "/api/chat", "/api/tools", "/api/execute-tool", "/api/airtable", "/api/health" })
        {
            Assert.Contains(expected, listed, StringComparison.Ordinal);
        }

        Assert.Equal(0, upstream.ContactCount);
    }

    [Theory]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    public async Task LivenessAndReadiness_Answer200WithoutAuthOrUpstreams(string path)
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.GetAsync(path, withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    [InlineData("/")]
    public async Task ProbeRoutes_AnswerHead(string path)
    {
        await using var gateway = await GatewayHost.StartAsync();

        using var response = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
