using System.Net;
using PyAirtable.Gateway.RateLimiting;
using StackExchange.Redis;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>Pure logic: partitions by address, Redis connection strings.</summary>
public sealed class RateLimitUnitTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("192.0.2.1", "::ffff:192.0.2.1", true)]
    [InlineData("192.0.2.1", "192.0.2.2", false)]
    public void ClientKey_ForAddress_PartitionsIPv6ByItsSlash64(string a, string b, bool same)
    {
        Assert.Equal(same, ClientKey.ForAddress(IPAddress.Parse(a)) == ClientKey.ForAddress(IPAddress.Parse(b)));
    }

    [Fact]
    public void ClientKey_ForClientAndForAddress_NeverCollide()
    {
        Assert.NotEqual(ClientKey.ForClient("0"), ClientKey.ForAddress(IPAddress.Any));
    }

    [Fact]
    public void RedisUrl_WithPasswordPortAndDatabase_Parsed()
    {
        var options = RedisConnectionString.TryParse("redis://:p%40ss@cache.internal:6380/2")!;

        Assert.Equal("cache.internal:6380", options.EndPoints.Single().ToString()?.Replace("Unspecified/", "", StringComparison.Ordinal));
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.False(options.Ssl);
        Assert.False(options.AbortOnConnectFail);
    }

    [Fact]
    public void RedissUrl_DefaultPort_UsesTls()
    {
        var options = RedisConnectionString.TryParse("rediss://user:secret@cache.internal")!;

        Assert.True(options.Ssl);
        Assert.Equal("user", options.User);
        Assert.Contains("6379", options.EndPoints.Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void StackExchangeString_Parsed_WithFailFastSettings()
    {
        var options = RedisConnectionString.TryParse("cache-1:6379,cache-2:6379,password=x,ssl=false")!;

        Assert.Equal(2, options.EndPoints.Count);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal(BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.True(options.ConnectTimeout <= 1000);
    }

    [Theory]
    [InlineData("redis://host:notaport")]
    [InlineData("redis://host/notadb")]
    [InlineData(",,,")]
    public void BadRedisUrl_Refused(string value)
    {
        Assert.Null(RedisConnectionString.TryParse(value));
    }
}
