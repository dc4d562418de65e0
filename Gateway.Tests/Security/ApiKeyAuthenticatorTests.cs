using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Auth;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Unit tests of the constant-time key check: every key form, the key remembered per connection, and no allocation per call.</summary>
public sealed class ApiKeyAuthenticatorTests
{
    private static ApiKeyAuthenticator Create() => new(Options.Create(new AuthOptions
    {
        ApiKey = "contract-key-123",
        Keys =
        [
            new NamedApiKeyOptions { Name = "plain", Key = "plain-key-123456", Scopes = ["a"] },
            new NamedApiKeyOptions { Name = "hashed", KeySha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("hashed-key-12345"))), Scopes = ["b"] },
        ],
    }));

    [Theory]
    [InlineData("contract-key-123", "default")]
    [InlineData("plain-key-123456", "plain")]
    [InlineData("hashed-key-12345", "hashed")]
    [InlineData("hashed-key-12346", null)]
    [InlineData("plain-key-12345", null)]
    [InlineData("plain-key-1234567", null)]
    [InlineData("", null)]
    public void Authenticate_MatchesOnlyTheExactKey(string presented, string? client)
    {
        Assert.Equal(client, Create().Authenticate(presented)?.Name);
    }

    [Fact]
    public void Authenticate_OverlongKey_Refused()
    {
        Assert.Null(Create().Authenticate(new string('k', ApiKeyAuthenticator.MaxKeyLength + 1)));
    }

    [Fact]
    public void Authenticate_AllocatesNothing()
    {
        var authenticator = Create();
        const string Valid = "hashed-key-12345";
        const string Invalid = "hashed-key-00000";
        authenticator.Authenticate(Valid);
        authenticator.Authenticate(Invalid);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            authenticator.Authenticate(Valid);
            authenticator.Authenticate(Invalid);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("plain-key-123456", "plain-key-123456", true)]
    [InlineData("plain-key-123457", "plain-key-123456", false)]
    [InlineData("Plain-key-123456", "plain-key-123456", false)]
    [InlineData("plain-key-12345", "plain-key-123456", false)]
    [InlineData("plain-key-1234567", "plain-key-123456", false)]
    [InlineData("", "plain-key-123456", false)]
    public void FixedTimeEquals_TrueOnlyForTheSameKey(string presented, string known, bool equal)
    {
        Assert.Equal(equal, ApiKeyAuthenticator.FixedTimeEquals(presented, known));
    }

    [Fact]
    public void Authenticate_OnOneHttp11Connection_RemembersOnlyAKeyThatPassed_AndJudgesEachKeyOnItsOwn()
    {
        var authenticator = Create();
        var connection = new Dictionary<object, object?>();

        Assert.Null(authenticator.Authenticate("plain-key-12345X", Request(connection)));
        Assert.Empty(connection);
        Assert.Equal("plain", authenticator.Authenticate("plain-key-123456", Request(connection))?.Name);
        Assert.Single(connection);

        // Same length as the remembered key, one byte apart; then another client's key of the same length.
        Assert.Null(authenticator.Authenticate("plain-key-123457", Request(connection)));
        Assert.Equal("default", authenticator.Authenticate("contract-key-123", Request(connection))?.Name);
        Assert.Equal("plain", authenticator.Authenticate("plain-key-123456", Request(connection))?.Name);
        Assert.Null(authenticator.Authenticate("plain-key-1234567", Request(connection)));
        Assert.Equal("hashed", authenticator.Authenticate("hashed-key-12345", Request(connection))?.Name);
    }

    [Fact]
    public void Authenticate_RememberedKeyOfAnotherAuthenticator_NotTrusted()
    {
        var connection = new Dictionary<object, object?>();
        Assert.Equal("plain", Create().Authenticate("plain-key-123456", Request(connection))?.Name);

        var other = new ApiKeyAuthenticator(Options.Create(new AuthOptions { ApiKey = "another-key-0001" }));

        Assert.Null(other.Authenticate("plain-key-123456", Request(connection)));
    }

    [Theory]
    [InlineData("HTTP/2")]
    [InlineData("HTTP/3")]
    public void Authenticate_MultiplexedConnection_RemembersNothing(string protocol)
    {
        var connection = new Dictionary<object, object?>();

        Assert.Equal("plain", Create().Authenticate("plain-key-123456", Request(connection, protocol))?.Name);

        Assert.Empty(connection);
    }

    [Fact]
    public void Authenticate_RememberedKey_AllocatesNothing()
    {
        var authenticator = Create();
        var connection = new Dictionary<object, object?>();
        var context = Request(connection);
        const string Valid = "plain-key-123456";
        const string Invalid = "plain-key-000000";
        authenticator.Authenticate(Valid, context);
        authenticator.Authenticate(Invalid, context);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            authenticator.Authenticate(Valid, context);
            authenticator.Authenticate(Invalid, context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static DefaultHttpContext Request(IDictionary<object, object?> connectionItems, string protocol = "HTTP/1.1")
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = protocol;
        context.Features.Set<IConnectionItemsFeature>(new ConnectionItems(connectionItems));
        return context;
    }

    private sealed class ConnectionItems(IDictionary<object, object?> items) : IConnectionItemsFeature
    {
        public IDictionary<object, object?> Items { get; set; } = items;
    }
}
