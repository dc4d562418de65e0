using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Caching;

namespace PyAirtable.Gateway.Tests.Caching;

public sealed class CacheControlTests
{
    [Fact]
    public void Parse_ResponseDirectives_AllRead()
    {
        var cc = CacheControl.Parse(new StringValues(["public, max-age=60, s-maxage=\"120\"", "must-revalidate,proxy-revalidate , no-transform"]));

        Assert.True(cc.Public);
        Assert.Equal(60, cc.MaxAge);
        Assert.Equal(120, cc.SharedMaxAge);
        Assert.True(cc.MustRevalidate);
        Assert.True(cc.ProxyRevalidate);
        Assert.True(cc.NoTransform);
        Assert.False(cc.Private);
        Assert.False(cc.NoStore);
    }

    [Fact]
    public void Parse_RequestDirectives_AllRead()
    {
        var cc = CacheControl.Parse("no-cache, no-store, max-age=5, min-fresh=7, max-stale, only-if-cached");

        Assert.True(cc.NoCache);
        Assert.True(cc.NoStore);
        Assert.Equal(5, cc.MaxAge);
        Assert.Equal(7, cc.MinFresh);
        Assert.True(cc.MaxStaleAny);
        Assert.True(cc.OnlyIfCached);
    }

    [Theory]
    [InlineData("max-age=abc", 0)]
    [InlineData("max-age=", 0)]
    [InlineData("max-age=-5", 0)]
    [InlineData("max-age=99999999999999", int.MaxValue)]
    [InlineData("max-age=30, max-age=10", 10)]
    [InlineData("MAX-AGE=42", 42)]
    public void Parse_MaxAgeOddValues_InvalidIsStaleLargeSaturatesSmallerWins(string header, int expected)
    {
        Assert.Equal(expected, CacheControl.Parse(header).MaxAge);
    }

    [Fact]
    public void Parse_QualifiedNoCache_KeepsFieldNamesNotUnqualified()
    {
        var cc = CacheControl.Parse("no-cache=\"Set-Cookie, X-Secret\", max-age=60");

        Assert.False(cc.NoCache);
        Assert.Equal(["Set-Cookie", "X-Secret"], cc.NoCacheFields!);
        Assert.Equal(60, cc.MaxAge);
    }

    [Fact]
    public void Parse_QualifiedAndUnqualifiedNoCache_Unqualified()
    {
        var cc = CacheControl.Parse("no-cache=\"X-Secret\", no-cache");

        Assert.True(cc.NoCache);
        Assert.Null(cc.NoCacheFields);
    }

    [Theory]
    [InlineData("private=\"X-User\"")]
    [InlineData("private")]
    [InlineData("PRIVATE, max-age=5")]
    public void Parse_PrivateQualifiedOrNot_Private(string header)
    {
        Assert.True(CacheControl.Parse(header).Private);
    }

    [Fact]
    public void Parse_UnknownAndGarbage_Ignored()
    {
        var cc = CacheControl.Parse(",, foo=\"bar, baz\", =x, max-stale=3 ,stale-if-error=9,stale-while-revalidate=4");

        Assert.Equal(3, cc.MaxStale);
        Assert.False(cc.MaxStaleAny);
        Assert.Equal(9, cc.StaleIfError);
        Assert.Equal(4, cc.StaleWhileRevalidate);
        Assert.Null(cc.MaxAge);
    }
}
