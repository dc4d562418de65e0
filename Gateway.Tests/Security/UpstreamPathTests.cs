using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>
/// The upstream URL made from a client's request target: the configured base plus the raw path suffix and query, byte
/// for byte, or a refusal when the suffix could climb out of the service's prefix. Only <see cref="UpstreamUrl"/> and
/// <see cref="HasDotSegmentInTarget"/> know how the gateway computes it, so these cases outlive a change of that code.
/// </summary>
public sealed class UpstreamPathTests
{
    private const string Base = "http://airtable.internal:8002";

    /// <summary>The URL forwarded for a request to the Airtable route (prefix <c>/api/airtable</c>), or null when refused.</summary>
    private static string? UpstreamUrl(string rawTarget, string? decodedPath = null) =>
        UpstreamPath.TryBuild(Context(rawTarget, decodedPath), GatewayRoutes.Airtable, Base);

    private static bool HasDotSegmentInTarget(string rawTarget) => UpstreamPath.HasDotSegmentInTarget(Context(rawTarget, null));

    /// <summary>A request as Kestrel hands it over: the raw target as sent, the path decoded (all but <c>%2F</c>).</summary>
    private static DefaultHttpContext Context(string rawTarget, string? decodedPath)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = query < 0 ? rawTarget : rawTarget[..query];
        if (rawPath.StartsWith('/'))
        {
            context.Request.Path = new PathString(decodedPath
                ?? Uri.UnescapeDataString(rawPath.Replace("%2F", "%252F", StringComparison.OrdinalIgnoreCase)));
        }

        return context;
    }

    [Theory]
    [InlineData("/api/airtable/bases/app1/tables", "/bases/app1/tables")]
    [InlineData("/api/airtable", "/")]
    [InlineData("/api/airtable/", "/")]
    [InlineData("/API/Airtable/bases", "/bases")]
    [InlineData("/api/airtable/a%2Fb/c", "/a%2Fb/c")]
    [InlineData("/api/airtable/a%2fb", "/a%2fb")]
    [InlineData("/api/airtable/%C3%A9t%C3%A9/%E2%80%A4%E2%80%A4", "/%C3%A9t%C3%A9/%E2%80%A4%E2%80%A4")]
    [InlineData("/api/airtable/caf%C3%A9%20bar+baz", "/caf%C3%A9%20bar+baz")]
    [InlineData("/api/airtable/.../a..b/.hidden/b.", "/.../a..b/.hidden/b.")]
    [InlineData("/api/airtable/%2e%2e%2e/x%2e%2ey", "/%2e%2e%2e/x%2e%2ey")]
    [InlineData("/api/airtable/%252e%252e/x", "/%252e%252e/x")]
    public void TryBuild_PathSuffix_AppendedToBaseByteForByte(string rawTarget, string expectedSuffix)
    {
        Assert.Equal(Base + expectedSuffix, UpstreamUrl(rawTarget));
    }

    [Theory]
    [InlineData("/api/airtable/bases?view=Grid%20view", "/bases?view=Grid%20view")]
    [InlineData("/api/airtable?x=1", "/?x=1")]
    [InlineData("/api/airtable/r?a=1&a=2&b=&&c=x+y%2Bz&fields%5B%5D=Name", "/r?a=1&a=2&b=&&c=x+y%2Bz&fields%5B%5D=Name")]
    [InlineData("/api/airtable/r?path=../../etc/passwd&d=%2e%2e", "/r?path=../../etc/passwd&d=%2e%2e")]
    [InlineData("/api/airtable/r?", "/r?")]
    [InlineData("/api/airtable/r?q=%C3%A9", "/r?q=%C3%A9")]
    public void TryBuild_Query_PassedRawAndNeverCheckedForDotSegments(string rawTarget, string expectedSuffix)
    {
        Assert.Equal(Base + expectedSuffix, UpstreamUrl(rawTarget));
    }

    [Theory]
    [InlineData("/api/airtable//evil.example/x")]
    [InlineData("/api/airtable//evil.example:443/x")]
    [InlineData("/api/airtable///evil.example")]
    [InlineData("/api/airtable/@evil.example")]
    [InlineData("/api/airtable/%2F%2Fevil.example")]
    [InlineData("/api/airtable/\\\\evil.example")]
    public void TryBuild_SuffixLookingLikeAnAuthority_StaysOnTheConfiguredHost(string rawTarget)
    {
        var url = UpstreamUrl(rawTarget);

        Assert.NotNull(url);
        Assert.StartsWith(Base + "/", url, StringComparison.Ordinal);
        Assert.Equal("airtable.internal:8002", new Uri(url).Authority);
    }

    [Theory]
    [InlineData("/api/airtable/..")]
    [InlineData("/api/airtable/../admin")]
    [InlineData("/api/airtable/a/../../admin")]
    [InlineData("/api/airtable/a/..")]
    [InlineData("/api/airtable/./a")]
    [InlineData("/api/airtable/a/./b")]
    [InlineData("/api/airtable/%2e%2e/admin")]
    [InlineData("/api/airtable/%2E%2E/admin")]
    [InlineData("/api/airtable/.%2e/admin")]
    [InlineData("/api/airtable/%2e./admin")]
    [InlineData("/api/airtable/%2e/admin")]
    [InlineData("/api/airtable/..%2Fadmin")]
    [InlineData("/api/airtable/a%2F..%2F..%2Fadmin")]
    [InlineData("/api/airtable/a%2f%2e%2e")]
    [InlineData("/api/airtable/..\\admin")]
    [InlineData("/api/airtable/..%5Cadmin")]
    [InlineData("/api/airtable/a%5c%2e%2e%5cadmin")]
    [InlineData("/api/airtable/../admin?x=1")]
    public void TryBuild_DotSegmentPlainOrEncoded_Refused(string rawTarget)
    {
        Assert.Null(UpstreamUrl(rawTarget));
    }

    [Theory]
    [InlineData("http://evil.example/api/airtable/x")]
    [InlineData("*")]
    [InlineData("evil.example:443")]
    [InlineData("")]
    public void TryBuild_TargetNotOriginForm_Refused(string rawTarget)
    {
        Assert.Null(UpstreamUrl(rawTarget, decodedPath: "/api/airtable/x"));
    }

    [Fact]
    public void TryBuild_PrefixPercentEncoded_SuffixTakenFromTheDecodedPath()
    {
        Assert.Equal(Base + "/bases/app1", UpstreamUrl("/api/%61irtable/bases/app1", decodedPath: "/api/airtable/bases/app1"));
    }

    [Fact]
    public void TryBuild_PathOutsideTheRoutesPrefix_Refused()
    {
        Assert.Null(UpstreamUrl("/api/tools", decodedPath: "/api/tools"));
    }

    [Theory]
    [InlineData("/api/../api/airtable/x", true)]
    [InlineData("/./api/tools", true)]
    [InlineData("/api/%2e%2e/metrics", true)]
    [InlineData("/api/airtable/x/..", true)]
    [InlineData("/api/airtable/x", false)]
    [InlineData("/api/airtable/x?q=../..", false)]
    [InlineData("/api/airtable/x..y/...", false)]
    [InlineData("/", false)]
    public void HasDotSegmentInTarget_LooksAtThePathOnly(string rawTarget, bool expected)
    {
        Assert.Equal(expected, HasDotSegmentInTarget(rawTarget));
    }

    [Fact]
    public void TryBuild_LongPathWithADotSegmentAtTheEnd_Refused()
    {
        var longPath = "/api/airtable/" + string.Concat(Enumerable.Repeat("segment/", 100)) + "%2e%2e";

        Assert.Null(UpstreamUrl(longPath));
        Assert.Equal(Base + longPath["/api/airtable".Length..^6] + "x", UpstreamUrl(longPath[..^6] + "x"));
    }
}
