using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Which headers cross the gateway: unsafe values, headers named by <c>Connection</c>, and the fixed sets.</summary>
public sealed class HeaderRulesTests
{
    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nX-Injected: 1")]
    [InlineData("\r\n")]
    [InlineData("value\n")]
    [InlineData("\rvalue")]
    [InlineData("a\0b")]
    public void IsUnsafeValue_CrLfOrNul_True(string value)
    {
        Assert.True(HeaderRules.IsUnsafeValue(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain value")]
    [InlineData("tab\there")]
    [InlineData("caf\u00e9 \u2603")]
    [InlineData("a\\r\\n literally")]
    [InlineData("%0d%0a")]
    public void IsUnsafeValue_NoCrLfOrNul_False(string? value)
    {
        Assert.False(HeaderRules.IsUnsafeValue(value));
    }

    [Theory]
    [InlineData("X-Secret", "X-Secret")]
    [InlineData("keep-alive, X-Secret", "x-secret")]
    [InlineData("  close ,   X-Secret  ", "X-Secret")]
    [InlineData("X-Secret,close", "x-SECRET")]
    [InlineData(",,X-Secret,,", "X-Secret")]
    [InlineData("close, Content-Length", "Content-Length")]
    public void IsNamedByConnection_TokenListed_True(string connection, string name)
    {
        Assert.True(HeaderRules.IsNamedByConnection(connection, name));
    }

    [Theory]
    [InlineData(null, "X-Secret")]
    [InlineData("", "X-Secret")]
    [InlineData("close", "X-Secret")]
    [InlineData("X-Secret-Two", "X-Secret")]
    [InlineData("X-Secret", "X-Secret-Two")]
    [InlineData("X-SecretX, keep-alive", "X-Secret")]
    [InlineData("X-Sec ret", "X-Secret")]
    [InlineData("X-Secret;q=1", "X-Secret")]
    public void IsNamedByConnection_TokenNotListed_False(string? connection, string name)
    {
        Assert.False(HeaderRules.IsNamedByConnection(connection, name));
    }

    [Theory]
    [InlineData("Connection")]
    [InlineData("keep-alive")]
    [InlineData("TE")]
    [InlineData("Trailer")]
    [InlineData("TRANSFER-ENCODING")]
    [InlineData("Upgrade")]
    [InlineData("Proxy-Authenticate")]
    [InlineData("proxy-authorization")]
    [InlineData("Proxy-Connection")]
    public void HopByHop_HoldsEveryHopByHopHeader_AnyCase(string name)
    {
        Assert.True(HeaderRules.HopByHop.Contains(name), name);
    }

    [Theory]
    [InlineData("Host")]
    [InlineData("Content-Length")]
    [InlineData("Expect")]
    [InlineData("x-api-key")]
    [InlineData("Authorization")]
    [InlineData("X-Client-Id")]
    [InlineData("X-Request-ID")]
    [InlineData("X-Forwarded-For")]
    [InlineData("X-Forwarded-Proto")]
    [InlineData("x-forwarded-host")]
    public void RequestOwnedByGateway_HoldsCredentialsIdentityAndForwardingHeaders(string name)
    {
        Assert.True(HeaderRules.RequestOwnedByGateway.Contains(name), name);
    }

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("Accept")]
    [InlineData("Cookie")]
    [InlineData("traceparent")]
    [InlineData("X-Api-Keys")]
    public void ForwardedHeaders_InNoDropList(string name)
    {
        Assert.False(HeaderRules.HopByHop.Contains(name), name);
        Assert.False(HeaderRules.RequestOwnedByGateway.Contains(name), name);
    }

    [Fact]
    public void ResponseOwnedByGateway_HoldsServerAndRequestId()
    {
        Assert.True(HeaderRules.ResponseOwnedByGateway.Contains("server"), "server");
        Assert.True(HeaderRules.ResponseOwnedByGateway.Contains("X-Request-ID"), "X-Request-ID");
    }
}
