using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>Issue 23 / CONTRACT-2 "Caching": the RFC 9111 shared cache over real sockets, with a service that counts requests.</summary>
public sealed class ResponseCacheTests : IAsyncLifetime
{
    private CacheFixture _f = null!;

    public async Task InitializeAsync() => _f = await CacheFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Get_MaxAge_SecondIsHitWithoutService()
    {
        _f.Answer("""{"bases":[1]}""", ("Cache-Control", "max-age=60"), ("ETag", "\"v1\""));

        using var first = await _f.GetAsync("/api/airtable/bases");
        using var second = await _f.GetAsync("/api/airtable/bases");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(first));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(second));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("""{"bases":[1]}""", await second.Content.ReadAsStringAsync());
        Assert.Equal("\"v1\"", second.Headers.ETag?.Tag);
        Assert.NotNull(CacheFixture.Age(second));
        Assert.Equal("v1", second.Headers.GetValues("API-Version").Single());
        Assert.NotEqual(first.Headers.GetValues("X-Request-ID").Single(), second.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal(1, _f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("Cache-Control", "no-store, max-age=60")]
    [InlineData("Cache-Control", "private, max-age=60")]
    [InlineData("Cache-Control", "private=\"X-User\", max-age=60")]
    [InlineData("Cache-Control", "no-cache")]
    [InlineData("Vary", "*")]
    [InlineData("Set-Cookie", "session=1")]
    [InlineData("X-None", "no freshness at all")]
    public async Task Get_ResponseNotStorable_EveryRequestReachesService(string header, string value)
    {
        _f.Upstream.Handler = FakeUpstream.Respond(200, "{}", "application/json",
            header == "Vary" || header == "Set-Cookie" ? [("Cache-Control", "public, max-age=60"), (header, value)] : [(header, value)]);

        using var first = await _f.GetAsync("/api/airtable/x");
        using var second = await _f.GetAsync("/api/airtable/x");

        Assert.Equal(2, _f.Upstream.ContactCount);
        Assert.DoesNotContain("stored", CacheFixture.Status(first), StringComparison.Ordinal);
        Assert.StartsWith("PyAirtableGateway; fwd=", CacheFixture.Status(second), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(201)]
    [InlineData(206)]
    public async Task Get_StatusNotStorable_EveryRequestReachesService(int status)
    {
        _f.Upstream.Handler = FakeUpstream.Respond(status, "{}", "application/json", ("Cache-Control", "public, max-age=60"));

        using var first = await _f.GetAsync("/api/airtable/x");
        using var second = await _f.GetAsync("/api/airtable/x");

        Assert.Equal(2, _f.Upstream.ContactCount);
        Assert.Equal("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(second));
    }

    [Fact]
    public async Task Get_PrivateToIdentity_TwoClientsNeverSeeEachOthersResponse()
    {
        // The attack: bob asks for the URL alice's private answer is stored under, with and without tricks.
        _f.Upstream.Handler = (context, request) => FakeUpstream.WriteAsync(context, 200,
            Encoding.UTF8.GetBytes("secret of " + request.Headers["X-Client-Id"][0]), "text/plain", ("Cache-Control", "max-age=60"));

        using var alice = await _f.GetAsync("/api/airtable/me");
        using var bob = await _f.GetAsync("/api/airtable/me", CacheFixture.BobKey);
        using var bobAgain = await _f.GetAsync("/api/airtable/me", CacheFixture.BobKey, ("Cache-Control", "max-stale"), ("X-Client-Id", "key:alice"));
        using var aliceAgain = await _f.GetAsync("/api/airtable/me");
        using var bobOnlyCached = await _f.GetAsync("/api/airtable/me?x", CacheFixture.BobKey, ("Cache-Control", "only-if-cached"));

        Assert.Equal("secret of key:alice", await alice.Content.ReadAsStringAsync());
        Assert.Equal("secret of key:bob", await bob.Content.ReadAsStringAsync());
        Assert.Equal("secret of key:bob", await bobAgain.Content.ReadAsStringAsync());
        Assert.Equal("secret of key:alice", await aliceAgain.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=miss; stored", CacheFixture.Status(bob));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(bobAgain));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(aliceAgain));
        Assert.Equal(HttpStatusCode.GatewayTimeout, bobOnlyCached.StatusCode);
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("public, max-age=60")]
    [InlineData("s-maxage=60")]
    public async Task Get_PublicOrSharedMaxAge_SharedAcrossClients(string cacheControl)
    {
        _f.Answer("""{"shared":true}""", ("Cache-Control", cacheControl));

        using var alice = await _f.GetAsync("/api/airtable/public");
        using var bob = await _f.GetAsync("/api/airtable/public", CacheFixture.BobKey);

        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(bob));
        Assert.Equal(1, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Head_AfterStoredGet_ServedFromStoredGet()
    {
        _f.Answer("""{"twelve":"b"}""", ("Cache-Control", "max-age=60"));

        using var get = await _f.GetAsync("/api/airtable/h");
        using var head = await _f.SendAsync(HttpMethod.Head, "/api/airtable/h");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(head));
        Assert.Equal(14, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Head_Miss_ForwardedNotStored()
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var head = await _f.SendAsync(HttpMethod.Head, "/api/airtable/h");
        using var get = await _f.GetAsync("/api/airtable/h");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(head));
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(get));
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("Cache-Control", "no-cache")]
    [InlineData("Cache-Control", "max-age=0")]
    [InlineData("Cache-Control", "min-fresh=120")]
    [InlineData("Pragma", "no-cache")]
    public async Task Get_RequestRefusesStored_ForwardedAndStoredAgain(string header, string value)
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var first = await _f.GetAsync("/api/airtable/r");
        using var second = await _f.GetAsync("/api/airtable/r", CacheFixture.AliceKey, (header, value));

        Assert.Equal("PyAirtableGateway; fwd=request; stored", CacheFixture.Status(second));
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_RequestNoStore_ForwardedNotStored()
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var first = await _f.GetAsync("/api/airtable/ns", CacheFixture.AliceKey, ("Cache-Control", "no-store"));
        using var second = await _f.GetAsync("/api/airtable/ns");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(first));
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(second));
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_OnlyIfCachedWithoutEntry_504WithoutService()
    {
        using var response = await _f.GetAsync("/api/airtable/none", CacheFixture.AliceKey, ("Cache-Control", "only-if-cached"));

        await Problem.AssertAsync(response, 504);
        Assert.Equal(0, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_OnlyIfCachedWithFreshEntry_Hit()
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"));
        using var first = await _f.GetAsync("/api/airtable/oic");

        using var second = await _f.GetAsync("/api/airtable/oic", CacheFixture.AliceKey, ("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, _f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("POST", 201, null, true)]
    [InlineData("DELETE", 204, null, true)]
    [InlineData("PATCH", 200, null, true)]
    [InlineData("POST", 400, null, false)]
    [InlineData("POST", 500, null, false)]
    public async Task Unsafe_SameUrl_InvalidatesOnlyOnSuccess(string method, int status, string? unused, bool invalidated)
    {
        _ = unused;
        _f.Answer("{}", ("Cache-Control", "max-age=60"));
        using var first = await _f.GetAsync("/api/airtable/bases/app1/t?view=a");
        _f.Upstream.Handler = FakeUpstream.Respond(status, status == 204 ? null : "{}");
        using var unsafeResponse = await _f.SendAsync(new HttpMethod(method), "/api/airtable/bases/app1/t");
        _f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var after = await _f.GetAsync("/api/airtable/bases/app1/t?view=a");

        Assert.Equal(invalidated ? "PyAirtableGateway; fwd=uri-miss; stored" : "PyAirtableGateway; hit", CacheFixture.Status(after));
    }

    [Theory]
    [InlineData("/api/airtable/bases/app1/t", "/api/v2/airtable/bases/app1/t")]
    [InlineData("/api/v2/airtable/bases/app1/t", "/api/airtable/bases/app1/t")]
    [InlineData("/api/v1/airtable/bases/app1/t", "/api/v2/airtable/bases/app1/t")]
    public async Task Unsafe_OneVersion_InvalidatesEveryVersion(string written, string read)
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"));
        (await _f.GetAsync(read)).Dispose();
        _f.Upstream.Handler = FakeUpstream.Respond(200, "{}");
        (await _f.SendAsync(HttpMethod.Put, written)).Dispose();
        _f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var after = await _f.GetAsync(read);

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(after));
    }

    [Theory]
    [InlineData("Location")]
    [InlineData("Content-Location")]
    public async Task Unsafe_LocationOnSameOrigin_InvalidatesThatUrl(string header)
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"));
        using var first = await _f.GetAsync("/api/airtable/bases/app1/records/rec1");
        _f.Upstream.Handler = FakeUpstream.Respond(201, "{}", "application/json", (header, "/api/airtable/bases/app1/records/rec1"));
        using var created = await _f.SendAsync(HttpMethod.Post, "/api/airtable/bases/app1/records");
        _f.Answer("{}", ("Cache-Control", "max-age=60"));

        using var after = await _f.GetAsync("/api/airtable/bases/app1/records/rec1");

        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(after));
    }

    [Fact]
    public async Task Get_Vary_VariantsKeptApart()
    {
        _f.Upstream.Handler = (context, request) => FakeUpstream.WriteAsync(context, 200,
            Encoding.UTF8.GetBytes(request.Headers["Accept-Language"][0]), "text/plain", ("Cache-Control", "max-age=60"), ("Vary", "Accept-Language"));

        using var en = await _f.GetAsync("/api/airtable/v", CacheFixture.AliceKey, ("Accept-Language", "en"));
        using var fr = await _f.GetAsync("/api/airtable/v", CacheFixture.AliceKey, ("Accept-Language", "fr"));
        using var enAgain = await _f.GetAsync("/api/airtable/v", CacheFixture.AliceKey, ("Accept-Language", "en"));

        Assert.Equal("fr", await fr.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=miss; stored", CacheFixture.Status(fr));
        Assert.Equal("en", await enAgain.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(enAgain));
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Theory]
    [InlineData("If-None-Match", "\"other\", W/\"v7\"")]
    [InlineData("If-None-Match", "*")]
    [InlineData("If-Modified-Since", "Sat, 05 Dec 2026 08:00:00 GMT")]
    public async Task Get_ClientConditionalMatchingFreshEntry_304FromCache(string header, string value)
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"), ("ETag", "\"v7\""), ("Last-Modified", "Sat, 05 Dec 2026 07:00:00 GMT"));
        using var first = await _f.GetAsync("/api/airtable/c");

        using var second = await _f.GetAsync("/api/airtable/c", CacheFixture.AliceKey, (header, value));

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal("\"v7\"", second.Headers.ETag?.Tag);
        Assert.Equal(1, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_ClientConditionalNotMatching_FullHit()
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60"), ("ETag", "\"v7\""));
        using var first = await _f.GetAsync("/api/airtable/c");

        using var second = await _f.GetAsync("/api/airtable/c", CacheFixture.AliceKey, ("If-None-Match", "\"v6\""));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("{}", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_StaleWithETag_ValidatedUpstream304MergedBodyFromStore()
    {
        _f.Answer("""{"big":"body"}""", ("Cache-Control", "max-age=0"), ("ETag", "\"e1\""), ("X-Version", "1"));
        using var first = await _f.GetAsync("/api/airtable/stale");
        _f.Upstream.Handler = FakeUpstream.Respond(304, null, "application/json", ("Cache-Control", "max-age=60"), ("ETag", "\"e1\""), ("X-Version", "2"));

        using var second = await _f.GetAsync("/api/airtable/stale");
        using var third = await _f.GetAsync("/api/airtable/stale");

        Assert.Equal("\"e1\"", _f.Upstream.Requests[1].Headers["If-None-Match"][0]);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("""{"big":"body"}""", await second.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=stale; fwd-status=304", CacheFixture.Status(second));
        Assert.Equal("2", second.Headers.GetValues("X-Version").Single());
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(third));
        Assert.Equal("2", third.Headers.GetValues("X-Version").Single());
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_StaleWithLastModifiedOnly_ValidatedWithIfModifiedSince304Merged()
    {
        _f.Answer("dated", ("Cache-Control", "max-age=0"), ("Last-Modified", "Sat, 05 Dec 2026 07:00:00 GMT"), ("X-Version", "1"));
        using var first = await _f.GetAsync("/api/airtable/dated");
        _f.Upstream.Handler = FakeUpstream.Respond(304, null, "application/json", ("Cache-Control", "max-age=60"), ("X-Version", "2"));

        using var second = await _f.GetAsync("/api/airtable/dated");
        using var third = await _f.GetAsync("/api/airtable/dated");

        Assert.Equal("Sat, 05 Dec 2026 07:00:00 GMT", _f.Upstream.Requests[1].Headers["If-Modified-Since"][0]);
        Assert.False(_f.Upstream.Requests[1].Headers.ContainsKey("If-None-Match"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("dated", await second.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=stale; fwd-status=304", CacheFixture.Status(second));
        Assert.Equal("2", second.Headers.GetValues("X-Version").Single());
        Assert.Equal("Sat, 05 Dec 2026 07:00:00 GMT", second.Content.Headers.LastModified?.ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(third));
        Assert.Equal("2", third.Headers.GetValues("X-Version").Single());
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_StaleWithETagChanged_NewResponseStored()
    {
        _f.Answer("old", ("Cache-Control", "max-age=0"), ("ETag", "\"e1\""));
        using var first = await _f.GetAsync("/api/airtable/changed");
        _f.Answer("new", ("Cache-Control", "max-age=60"), ("ETag", "\"e2\""));

        using var second = await _f.GetAsync("/api/airtable/changed");
        using var third = await _f.GetAsync("/api/airtable/changed");

        Assert.Equal("new", await second.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=stale; stored", CacheFixture.Status(second));
        Assert.Equal("new", await third.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(third));
    }

    [Theory]
    [InlineData("max-age=0, must-revalidate")]
    [InlineData("max-age=0, proxy-revalidate")]
    [InlineData("s-maxage=0")]
    public async Task Get_RevalidateDirectiveStale_MaxStaleRefused(string cacheControl)
    {
        _f.Answer("{}", ("Cache-Control", cacheControl));
        using var first = await _f.GetAsync("/api/airtable/mr");

        using var second = await _f.GetAsync("/api/airtable/mr", CacheFixture.AliceKey, ("Cache-Control", "max-stale=600"));

        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_QualifiedNoCache_NamedFieldNotServedFromStore()
    {
        _f.Answer("{}", ("Cache-Control", "max-age=60, no-cache=\"X-Secret\""), ("X-Secret", "s"), ("X-Plain", "p"));
        using var first = await _f.GetAsync("/api/airtable/q");

        using var second = await _f.GetAsync("/api/airtable/q");

        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(second));
        Assert.False(second.Headers.Contains("X-Secret"));
        Assert.Equal("p", second.Headers.GetValues("X-Plain").Single());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Get_UpstreamFailsMidBody_NotStored(bool withLength)
    {
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _f.Upstream.Handler = async (context, _) =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            if (withLength)
            {
                context.Response.ContentLength = 1000;
            }

            await context.Response.WriteAsync("first-part");
            await context.Response.Body.FlushAsync();
            await cut.Task.WaitAsync(context.RequestAborted);
            context.Abort();
        };

        using (var connection = await RawConnection.ConnectAsync(_f.Gateway.Port))
        {
            await connection.WriteAsync($"GET /api/airtable/cut HTTP/1.1\r\nHost: gw\r\nX-API-Key: {CacheFixture.AliceKey}\r\n\r\n");
            await connection.ReadUntilAsync("first-part");
            cut.SetResult();
            await connection.ReadToEndAsync();
        }

        _f.Answer("{}", ("Cache-Control", "max-age=60"));
        using var second = await _f.GetAsync("/api/airtable/cut");

        Assert.Equal("{}", await second.Content.ReadAsStringAsync());
        Assert.StartsWith("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(second), StringComparison.Ordinal);
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_ClientGoesAwayMidBody_NotStored()
    {
        var upstreamCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        _f.Upstream.Handler = async (context, _) =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            if (Interlocked.Increment(ref calls) > 1)
            {
                await context.Response.WriteAsync("whole");
                return;
            }

            await context.Response.WriteAsync("first-part");
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            finally
            {
                upstreamCut.TrySetResult();
            }
        };

        using (var connection = await RawConnection.ConnectAsync(_f.Gateway.Port))
        {
            await connection.WriteAsync($"GET /api/airtable/gone HTTP/1.1\r\nHost: gw\r\nX-API-Key: {CacheFixture.AliceKey}\r\n\r\n");
            await connection.ReadUntilAsync("first-part");
            connection.Abort();
        }

        // The client's abort reaches the service as a cut request; what was read so far is not stored.
        await upstreamCut.Task.WithTimeout();
        using var second = await _f.GetAsync("/api/airtable/gone");

        Assert.Equal("whole", await second.Content.ReadAsStringAsync());
        Assert.StartsWith("PyAirtableGateway; fwd=uri-miss", CacheFixture.Status(second), StringComparison.Ordinal);
    }
}
