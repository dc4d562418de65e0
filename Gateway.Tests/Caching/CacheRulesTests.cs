using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Caching;

namespace PyAirtable.Gateway.Tests.Caching;

public sealed class CacheRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly RouteCacheSettings Plain = new();

    private static HeaderDictionary Headers(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary.Append(name, value);
        }

        return dictionary;
    }

    private static StoreDecision Decide(int status, HeaderDictionary headers, string request = "", bool identity = true, bool credentials = false, RouteCacheSettings? settings = null) =>
        CacheRules.Decide(status, headers, CacheControl.Parse(request), identity, credentials, settings ?? Plain, Now);

    [Theory]
    [InlineData("s-maxage=30, max-age=60", 30)]
    [InlineData("max-age=60", 60)]
    public void Lifetime_SharedMaxAgeBeforeMaxAgeBeforeExpires(string cacheControl, int seconds)
    {
        var headers = Headers(("Cache-Control", cacheControl), ("Date", "Sat, 05 Dec 2026 09:00:00 GMT"), ("Expires", "Sat, 05 Dec 2026 10:00:00 GMT"));

        Assert.Equal(TimeSpan.FromSeconds(seconds), Decide(200, headers).Lifetime);
    }

    [Fact]
    public void Lifetime_ExpiresMinusDate()
    {
        var headers = Headers(("Date", "Sat, 05 Dec 2026 09:00:00 GMT"), ("Expires", "Sat, 05 Dec 2026 09:02:00 GMT"));

        Assert.Equal(TimeSpan.FromMinutes(2), Decide(200, headers).Lifetime);
    }

    [Fact]
    public void Decide_InvalidExpiresWithValidator_StoredAsStale()
    {
        var decision = Decide(200, Headers(("Expires", "0"), ("ETag", "\"a\"")));

        Assert.True(decision.Storable);
        Assert.Equal(TimeSpan.Zero, decision.Lifetime);
    }

    [Fact]
    public void Decide_NoFreshnessNoValidatorNoDefault_NotStored()
    {
        Assert.Equal(StoreVerdict.NoFreshness, Decide(200, Headers()).Verdict);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(404, true)]
    [InlineData(302, false)]
    [InlineData(307, false)]
    public void Decide_DefaultTtl_OnlyForHeuristicallyCacheableStatus(int status, bool stored)
    {
        var settings = new RouteCacheSettings { DefaultTtl = TimeSpan.FromSeconds(30) };

        var decision = Decide(status, Headers(), settings: settings);

        Assert.Equal(stored, decision.Storable);
        if (stored)
        {
            Assert.Equal(TimeSpan.FromSeconds(30), decision.Lifetime);
        }
    }

    [Fact]
    public void Lifetime_AboveMaxTtl_Capped()
    {
        var settings = new RouteCacheSettings { MaxTtl = TimeSpan.FromSeconds(10) };

        Assert.Equal(TimeSpan.FromSeconds(10), Decide(200, Headers(("Cache-Control", "max-age=3600")), settings: settings).Lifetime);
    }

    [Theory]
    [InlineData(200, "no-store", "NoStore")]
    [InlineData(200, "private, max-age=60", "Private")]
    [InlineData(200, "private=\"X-User\", max-age=60", "Private")]
    [InlineData(500, "max-age=60", "Status")]
    [InlineData(206, "max-age=60", "Status")]
    [InlineData(201, "max-age=60", "Status")]
    [InlineData(304, "max-age=60", "Status")]
    public void Decide_ForbiddenResponses_NotStored(int status, string cacheControl, string verdict)
    {
        Assert.Equal(Enum.Parse<StoreVerdict>(verdict), Decide(status, Headers(("Cache-Control", cacheControl))).Verdict);
    }

    [Fact]
    public void Decide_VaryStar_NotStored()
    {
        Assert.Equal(StoreVerdict.VaryAny, Decide(200, Headers(("Cache-Control", "public, max-age=60"), ("Vary", "Accept, *"))).Verdict);
    }

    [Fact]
    public void Decide_SetCookie_NotStored()
    {
        Assert.Equal(StoreVerdict.SetCookie, Decide(200, Headers(("Cache-Control", "public, max-age=60"), ("Set-Cookie", "s=1"))).Verdict);
    }

    [Fact]
    public void Decide_RequestNoStore_NotStored()
    {
        Assert.Equal(StoreVerdict.RequestNoStore, Decide(200, Headers(("Cache-Control", "max-age=60")), request: "no-store").Verdict);
    }

    [Theory]
    [InlineData("max-age=60", false)]
    [InlineData("public, max-age=60", true)]
    [InlineData("s-maxage=60", true)]
    [InlineData("must-revalidate, max-age=60", false)]
    public void Decide_SharedOnlyWhenPublicOrSharedMaxAge(string cacheControl, bool shared)
    {
        var decision = Decide(200, Headers(("Cache-Control", cacheControl)));

        Assert.True(decision.Storable);
        Assert.Equal(shared, decision.Shared);
    }

    [Fact]
    public void Decide_NoIdentityButCredentials_OnlySharedStored()
    {
        Assert.Equal(StoreVerdict.Unidentified, Decide(200, Headers(("Cache-Control", "max-age=60")), identity: false, credentials: true).Verdict);
        Assert.True(Decide(200, Headers(("Cache-Control", "public, max-age=60")), identity: false, credentials: true).Storable);
    }

    [Fact]
    public void InitialAge_LargerOfAgeHeaderAndApparentAge()
    {
        var headers = Headers(("Date", "Sat, 05 Dec 2026 08:59:00 GMT"), ("Age", "10"));

        Assert.Equal(TimeSpan.FromSeconds(60), CacheRules.InitialAge(headers, Now, Now));
        Assert.Equal(TimeSpan.FromSeconds(100), CacheRules.InitialAge(Headers(("Age", "100")), Now, Now));
    }

    private static CachedResponse Entry(TimeSpan lifetime, TimeSpan age, bool noStale = false, bool alwaysValidate = false) => new()
    {
        Route = "r",
        Path = "/p",
        Query = "",
        Identity = null,
        Status = 200,
        Headers = [],
        Body = [],
        ResponseTime = Now - age,
        InitialAge = TimeSpan.Zero,
        FreshnessLifetime = lifetime,
        NoStaleReuse = noStale,
        AlwaysValidate = alwaysValidate,
        ETag = null,
        LastModified = null,
        SelectingNames = [],
        SelectingValues = [],
        HeaderBytes = 0,
    };

    [Theory]
    [InlineData(60, 10, "", false, "Fresh")]
    [InlineData(60, 70, "", false, "Stale")]
    [InlineData(60, 10, "no-cache", false, "RequestRefuses")]
    [InlineData(60, 10, "max-age=5", false, "RequestRefuses")]
    [InlineData(60, 10, "max-age=20", false, "Fresh")]
    [InlineData(60, 50, "min-fresh=20", false, "RequestRefuses")]
    [InlineData(60, 70, "max-stale", false, "StaleAccepted")]
    [InlineData(60, 70, "max-stale=20", false, "StaleAccepted")]
    [InlineData(60, 90, "max-stale=20", false, "Stale")]
    [InlineData(60, 70, "max-stale", true, "Stale")]
    public void CanReuse_RequestDirectivesAndStaleness(int lifetime, int age, string request, bool noStale, string expected)
    {
        var entry = Entry(TimeSpan.FromSeconds(lifetime), TimeSpan.FromSeconds(age), noStale);

        Assert.Equal(Enum.Parse<Reuse>(expected), CacheRules.CanReuse(entry, CacheControl.Parse(request), Now));
    }

    [Fact]
    public void CanReuse_NoCacheResponse_AlwaysValidated()
    {
        Assert.Equal(Reuse.Stale, CacheRules.CanReuse(Entry(TimeSpan.FromSeconds(60), TimeSpan.Zero, alwaysValidate: true), default, Now));
    }

    [Fact]
    public void VaryNames_LowerCasedWithoutDuplicates()
    {
        Assert.Equal(["accept-language", "accept"], CacheRules.VaryNames(new StringValues(["Accept-Language, Accept", "accept-language"])));
    }
}
