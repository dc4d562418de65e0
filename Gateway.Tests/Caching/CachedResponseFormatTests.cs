using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Caching;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>The binary form of stored responses in Redis: round trip, and anything else is a miss, never an exception.</summary>
public sealed class CachedResponseFormatTests
{
    private static CachedResponse Entry(string? identity = "key:alice", byte[]? body = null, params KeyValuePair<string, StringValues>[] headers) => new()
    {
        Route = "airtable",
        Path = "/api/airtable/bases/é",
        Query = "?view=grid",
        Identity = identity,
        Status = 203,
        Headers = headers.Length > 0 ? headers : [new("Content-Type", "application/json"), new("X-Multi", new StringValues(["a", "b"])), new("ETag", "\"v1\"")],
        Body = body ?? [1, 2, 3, 0, 255],
        ResponseTime = new DateTimeOffset(2026, 12, 5, 20, 0, 0, TimeSpan.Zero),
        InitialAge = TimeSpan.FromSeconds(3),
        FreshnessLifetime = TimeSpan.FromSeconds(60),
        NoStaleReuse = true,
        AlwaysValidate = false,
        StaleWhileRevalidate = TimeSpan.FromSeconds(30),
        StaleIfError = null,
        ETag = "\"v1\"",
        LastModified = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
        SelectingNames = ["Accept-Language", "X-Tenant"],
        SelectingValues = ["en", ""],
        HeaderBytes = 10,
    };

    [Theory]
    [InlineData("key:alice")]
    [InlineData(null)]
    public void RoundTrip_KeepsEveryField(string? identity)
    {
        var entry = Entry(identity);

        var read = CachedResponseFormat.Read(CachedResponseFormat.Write(entry), "other-route");

        Assert.NotNull(read);
        Assert.Equal("other-route", read.Route);
        Assert.Equal(entry.Path, read.Path);
        Assert.Equal(entry.Query, read.Query);
        Assert.Equal(entry.Identity, read.Identity);
        Assert.Equal(entry.Status, read.Status);
        Assert.Equal(entry.Headers.Select(h => (h.Key, h.Value.ToString())), read.Headers.Select(h => (h.Key, h.Value.ToString())));
        Assert.Equal(2, read.Headers[1].Value.Count);
        Assert.Equal(entry.Body, read.Body);
        Assert.Equal(entry.ResponseTime, read.ResponseTime);
        Assert.Equal(entry.InitialAge, read.InitialAge);
        Assert.Equal(entry.FreshnessLifetime, read.FreshnessLifetime);
        Assert.True(read.NoStaleReuse);
        Assert.False(read.AlwaysValidate);
        Assert.Equal(entry.StaleWhileRevalidate, read.StaleWhileRevalidate);
        Assert.Null(read.StaleIfError);
        Assert.Equal(entry.ETag, read.ETag);
        Assert.Equal(entry.LastModified, read.LastModified);
        Assert.Equal(entry.SelectingNames, read.SelectingNames);
        Assert.Equal(entry.SelectingValues, read.SelectingValues);
    }

    [Fact]
    public void Truncated_AtEveryLength_Null()
    {
        var data = CachedResponseFormat.Write(Entry());

        for (var length = 0; length < data.Length; length++)
        {
            Assert.Null(CachedResponseFormat.Read(data.AsSpan(0, length), "airtable"));
        }
    }

    [Fact]
    public void TrailingBytes_OtherVersion_OtherMarker_Null()
    {
        var data = CachedResponseFormat.Write(Entry());
        var longer = data.Concat(new byte[] { 0 }).ToArray();
        var version = (byte[])data.Clone();
        version[1] = 2;
        var marker = (byte[])data.Clone();
        marker[0] = (byte)'{';

        Assert.Null(CachedResponseFormat.Read(longer, "airtable"));
        Assert.Null(CachedResponseFormat.Read(version, "airtable"));
        Assert.Null(CachedResponseFormat.Read(marker, "airtable"));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(23);
        var valid = CachedResponseFormat.Write(Entry());
        for (var i = 0; i < 2000; i++)
        {
            var data = (byte[])valid.Clone();
            for (var flips = 0; flips < 4; flips++)
            {
                data[random.Next(2, data.Length)] = (byte)random.Next(256);
            }

            var read = CachedResponseFormat.Read(data, "airtable"); // a value or null; no exception
            if (read is not null)
            {
                Assert.InRange(read.Status, 100, 599);
            }
        }
    }

    [Theory]
    [InlineData("X-Evil", "a\r\nSet-Cookie: s=1")]
    [InlineData("X-Evil", "a\nb")]
    [InlineData("X Evil", "a")]
    [InlineData("X-Evil:", "a")]
    public void HeaderThatCannotBeSent_Null(string name, string value)
    {
        var data = CachedResponseFormat.Write(Entry(headers: new KeyValuePair<string, StringValues>(name, value)));

        Assert.Null(CachedResponseFormat.Read(data, "airtable"));
    }

    [Fact]
    public void TimeToLive_FreshnessPlusLongestStaleAllowance()
    {
        var now = new DateTimeOffset(2026, 12, 5, 20, 0, 10, TimeSpan.Zero);
        var entry = Entry();
        var noValidators = new CachedResponse
        {
            Route = entry.Route, Path = entry.Path, Query = entry.Query, Identity = null, Status = 200, Headers = [], Body = [],
            ResponseTime = entry.ResponseTime, InitialAge = TimeSpan.Zero, FreshnessLifetime = TimeSpan.FromSeconds(60), NoStaleReuse = false,
            AlwaysValidate = false, StaleIfError = TimeSpan.FromSeconds(600), ETag = null, LastModified = null, SelectingNames = [], SelectingValues = [], HeaderBytes = 0,
        };
        var expired = new CachedResponse
        {
            Route = entry.Route, Path = entry.Path, Query = entry.Query, Identity = null, Status = 200, Headers = [], Body = [],
            ResponseTime = entry.ResponseTime, InitialAge = TimeSpan.Zero, FreshnessLifetime = TimeSpan.FromSeconds(5), NoStaleReuse = false,
            AlwaysValidate = false, ETag = null, LastModified = null, SelectingNames = [], SelectingValues = [], HeaderBytes = 0,
        };

        Assert.Equal(TimeSpan.FromSeconds(50 + 600), RedisResponseCache.TimeToLive(noValidators, now));
        Assert.Equal(TimeSpan.Zero, RedisResponseCache.TimeToLive(expired, now));

        // Age 3 + 10 s: 47 s fresh, then kept for validation (its lifetime, at least a minute) rather than the 30 s window.
        Assert.Equal(TimeSpan.FromSeconds(47 + 60), RedisResponseCache.TimeToLive(entry, now));
    }

    [Fact]
    public void Keys_PathLengthPrefixed_NoCollisions()
    {
        Assert.NotEqual(
            RedisResponseCache.EntryKey("p:", "/a}", "?b", null),
            RedisResponseCache.EntryKey("p:", "/a", "}?b", null));
        Assert.NotEqual(RedisResponseCache.EntryKey("p:", "/a", "", null), RedisResponseCache.EntryKey("p:", "/a", "", "*"));
        Assert.Equal("accept-language:en\nx-tenant:\n", RedisResponseCache.VariantField(["Accept-Language", "X-Tenant"], ["en", ""]));
    }
}
