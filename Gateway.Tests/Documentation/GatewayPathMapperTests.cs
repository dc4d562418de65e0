using PyAirtable.Gateway.Documentation;

namespace PyAirtable.Gateway.Tests.Documentation;

public sealed class GatewayPathMapperTests
{
    [Theory]
    [InlineData("/api/chat", "/chat", "/chat", "/api/chat")]
    [InlineData("/api/sessions/{id}/history", "/sessions/{id}/history", "/sessions/{session_id}/history", "/api/sessions/{id}/history")]
    [InlineData("/api/sessions/{id:minlength(1)}", "/sessions/{id}", "/sessions/{sid}", "/api/sessions/{id}")]
    [InlineData("/api/airtable/{**path}", "/{**path}", "/bases/{base_id}/tables/{table_id}/records", "/api/airtable/bases/{base_id}/tables/{table_id}/records")]
    [InlineData("/api/airtable/{**path}", "/{**path}", "/", "/api/airtable")]
    [InlineData("/api/reports/{**rest}", "/r/{*rest}", "/r/daily/{day}", "/api/reports/daily/{day}")]
    [InlineData("/api/sessions/{id}", "/sessions/{id}", "/sessions/active", "/api/sessions/active")]
    public void TryMap_ReachedPath_GivesGatewayPath(string route, string upstream, string service, string expected)
    {
        Assert.True(GatewayPathMapper.TryMap(route, upstream, service, out var gatewayPath, out _, out var added));
        Assert.Equal(expected, gatewayPath);
        Assert.Empty(added);
    }

    [Theory]
    [InlineData("/api/chat", "/chat", "/chat/stream")]
    [InlineData("/api/chat", "/chat", "/")]
    [InlineData("/api/sessions/{id}", "/sessions/{id}", "/sessions/{id}/history")]
    [InlineData("/api/sessions/{id}/history", "/sessions/{id}/history", "/sessions/{id}/messages")]
    [InlineData("/api/reports/{**rest}", "/r/{**rest}", "/reports/daily")]
    [InlineData("/api/tools", "/tools", "/Tools")]
    public void TryMap_PathNotReached_ReturnsFalse(string route, string upstream, string service) =>
        Assert.False(GatewayPathMapper.TryMap(route, upstream, service, out _, out _, out _));

    [Fact]
    public void TryMap_ParameterNamedByRoute_RenamesServiceParameter()
    {
        Assert.True(GatewayPathMapper.TryMap("/api/sessions/{id}/history", "/sessions/{id}/history", "/sessions/{session_id}/history", out _, out var renames, out _));

        Assert.Equal(new Dictionary<string, string> { ["session_id"] = "id" }, renames);
    }

    [Fact]
    public void TryMap_CatchAll_KeepsServiceParameterNames()
    {
        Assert.True(GatewayPathMapper.TryMap("/api/airtable/{**path}", "/{**path}", "/bases/{base_id}", out _, out var renames, out _));

        Assert.Empty(renames);
    }

    [Fact]
    public void TryMap_RouteParameterNotSentUpstream_IsAdded()
    {
        Assert.True(GatewayPathMapper.TryMap("/api/tenants/{tenant}/tools", "/tools", "/tools", out var gatewayPath, out _, out var added));

        Assert.Equal("/api/tenants/{tenant}/tools", gatewayPath);
        Assert.Equal(["tenant"], added);
    }
}
