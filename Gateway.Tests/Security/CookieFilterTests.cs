using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Credential cookies removed by exact name from the <c>Cookie</c> header; every other cookie kept as sent.</summary>
public sealed class CookieFilterTests
{
    // As the forwarder builds it from Gateway:Forwarding:StripCookies: cookie names are case-sensitive (RFC 6265).
    private static readonly FrozenSet<string> Credentials = new[] { "session", "auth_token" }.ToFrozenSet(StringComparer.Ordinal);

    private static string Filter(params string?[] headers) => CookieFilter.Remove(new StringValues(headers), Credentials).ToString();

    [Theory]
    [InlineData("session=abc; theme=dark", "theme=dark")]
    [InlineData("theme=dark; session=abc", "theme=dark")]
    [InlineData("a=1; session=abc; auth_token=t; b=2", "a=1; b=2")]
    [InlineData("session=1; session=2; theme=dark", "theme=dark")]
    [InlineData("  session = abc ;theme=dark", "theme=dark")]
    [InlineData("session; theme=dark", "theme=dark")]
    [InlineData("session=; theme=dark", "theme=dark")]
    public void Remove_CredentialCookie_Dropped(string header, string expected)
    {
        Assert.Equal(expected, Filter(header));
    }

    [Theory]
    [InlineData("sessionid=1; session=2; my_session=3; session_=4", "sessionid=1; my_session=3; session_=4")]
    [InlineData("auth_token2=x; xauth_token=y; auth=z", "auth_token2=x; xauth_token=y; auth=z")]
    [InlineData("Session=1; SESSION=2", "Session=1; SESSION=2")]
    [InlineData("theme=session=abc", "theme=session=abc")]
    [InlineData("token=a=b==; theme=dark", "token=a=b==; theme=dark")]
    [InlineData("pref=\"session=1; x\"", "pref=\"session=1; x\"")]
    public void Remove_OtherCookies_KeptEvenWithSimilarNamesOrValues(string header, string expected)
    {
        Assert.Equal(expected, Filter(header));
    }

    [Theory]
    [InlineData("a=1;;b=2", "a=1; b=2")]
    [InlineData(" ; a=1 ; ", "a=1")]
    [InlineData("a=1;b=2", "a=1; b=2")]
    public void Remove_EmptyPairsAndSpacing_Normalised(string header, string expected)
    {
        Assert.Equal(expected, Filter(header));
    }

    [Fact]
    public void Remove_SeveralHeaders_JoinedIntoOne()
    {
        var result = CookieFilter.Remove(new StringValues(["a=1", null, "session=2; b=3"]), Credentials);

        Assert.Equal("a=1; b=3", Assert.Single(result.ToArray()));
    }

    [Theory]
    [InlineData("session=abc")]
    [InlineData("session=abc; auth_token=t")]
    [InlineData("")]
    [InlineData(" ; ")]
    public void Remove_NothingLeft_NoHeaderAtAll(string header)
    {
        Assert.Equal(StringValues.Empty, CookieFilter.Remove(new StringValues(header), Credentials));
    }
}
