using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Auth;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Unit tests of the constant-time key check: every key form, and no allocation per call.</summary>
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
        Assert.Equal(client, Create().Authenticate(presented)?.ClientId);
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
}
