using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>RFC 5861 over real sockets: <c>stale-while-revalidate</c> (a stale answer now, a background refresh) and <c>stale-if-error</c>.</summary>
public sealed class StaleResponseTests : IAsyncLifetime
{
    private const int Revalidated = 9004;
    private CacheFixture _f = null!;
    private LogCapture _logs = null!;

    public async Task InitializeAsync()
    {
        _f = await CacheFixture.StartAsync(new() { ["Logging:LogLevel:PyAirtable.Gateway.Caching"] = "Debug" });
        _logs = LogCapture.AttachTo(_f.Gateway.App.Services);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    /// <summary>The service answers <paramref name="body"/> with ETag <c>"<paramref name="body"/>"</c> and these directives.</summary>
    private void Version(string body, string cacheControl) => _f.Answer(body, ("Cache-Control", cacheControl), ("ETag", $"\"{body}\""));

    /// <summary>Stores the first response of <paramref name="path"/> and takes its contact off the service's list.</summary>
    private async Task PrimeAsync(string path)
    {
        (await _f.GetAsync(path)).Dispose();
        await _f.Upstream.NextContactAsync();
    }

    [Fact]
    public async Task Get_WithinStaleWhileRevalidate_StaleServedAtOnceThenRefreshedInBackground()
    {
        Version("v1", "max-age=0, stale-while-revalidate=60");
        await PrimeAsync("/api/airtable/swr");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _f.Upstream.Handler = async (context, _) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await FakeUpstream.WriteAsync(context, 200, "v2"u8.ToArray(), "text/plain", ("Cache-Control", "max-age=60"), ("ETag", "\"v2\""));
        };

        // The service has not answered yet: the stale response is not held up by the revalidation.
        using var stale = await _f.GetAsync("/api/airtable/swr");
        var background = await _f.Upstream.NextContactAsync();
        release.SetResult();
        await _logs.WaitForAsync(Revalidated);
        using var fresh = await _f.GetAsync("/api/airtable/swr");

        Assert.Equal("v1", await stale.Content.ReadAsStringAsync());
        Assert.StartsWith("PyAirtableGateway; hit; ttl=-", CacheFixture.Status(stale), StringComparison.Ordinal);
        Assert.EndsWith("; detail=stale-while-revalidate", CacheFixture.Status(stale), StringComparison.Ordinal);
        Assert.Equal("\"v1\"", background.Headers["If-None-Match"][0]);
        Assert.Equal("key:alice", background.Headers["X-Client-Id"][0]);
        Assert.Equal("v2", await fresh.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(fresh));
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_StaleWhileRevalidateClientGoneBeforeServiceAnswers_RevalidationStillStored()
    {
        Version("v1", "max-age=0, stale-while-revalidate=60");
        await PrimeAsync("/api/airtable/gone");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _f.Upstream.Handler = async (context, _) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            context.Response.StatusCode = 304;
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ETag = "\"v1\"";
        };

        using (var connection = await RawConnection.ConnectAsync(_f.Gateway.Port))
        {
            await connection.WriteAsync($"GET /api/airtable/gone HTTP/1.1\r\nHost: gw\r\nX-API-Key: {CacheFixture.AliceKey}\r\n\r\n");
            await connection.ReadUntilAsync("v1");
            await _f.Upstream.NextContactAsync();
            connection.Abort();
        }

        release.SetResult();
        await _logs.WaitForAsync(Revalidated);
        using var after = await _f.GetAsync("/api/airtable/gone");

        Assert.Equal("v1", await after.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(after));
        Assert.False(_f.Upstream.HasAbort);
    }

    [Fact]
    public async Task Get_ManyStaleWhileRevalidate_OneBackgroundRequestCollapsedWithMisses()
    {
        Version("v1", "max-age=0, stale-while-revalidate=60");
        await PrimeAsync("/api/airtable/many");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _f.Upstream.Handler = async (context, _) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await FakeUpstream.WriteAsync(context, 200, "v2"u8.ToArray(), "text/plain", ("Cache-Control", "max-age=60"));
        };

        var responses = new HttpResponseMessage[20];
        for (var i = 0; i < responses.Length; i++)
        {
            responses[i] = await _f.GetAsync("/api/airtable/many");
        }

        await _f.Upstream.NextContactAsync();
        release.SetResult();
        await _logs.WaitForAsync(Revalidated);

        foreach (var response in responses)
        {
            Assert.Equal("v1", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_PastStaleWhileRevalidateWindow_ForwardedNotServedStale()
    {
        _f.Answer("v1", ("Cache-Control", "max-age=0, stale-while-revalidate=0"), ("Age", "5"));
        (await _f.GetAsync("/api/airtable/late")).Dispose();

        using var second = await _f.GetAsync("/api/airtable/late");

        Assert.StartsWith("PyAirtableGateway; fwd=", CacheFixture.Status(second), StringComparison.Ordinal);
        Assert.Equal(2, _f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_StaleWhileRevalidateWithMustRevalidate_NeverServedStale()
    {
        Version("v1", "max-age=0, must-revalidate, stale-while-revalidate=60");
        (await _f.GetAsync("/api/airtable/mr")).Dispose();
        Version("v2", "max-age=0, must-revalidate, stale-while-revalidate=60");

        using var second = await _f.GetAsync("/api/airtable/mr");

        Assert.Equal("v2", await second.Content.ReadAsStringAsync());
        Assert.Equal("PyAirtableGateway; fwd=stale; stored", CacheFixture.Status(second));
    }

    public static TheoryData<string> Failures => ["500", "503", "unreachable", "circuit-open"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Get_ServiceFailsWithinStaleIfError_StoredResponseAnswers(string failure)
    {
        await using var f = await CacheFixture.StartAsync(new() { ["Gateway:CircuitBreaker:FailureThreshold"] = "2" });
        f.Answer("""{"v":1}""", ("Cache-Control", "max-age=0, stale-if-error=600"), ("X-Stored", "yes"));
        (await f.GetAsync("/api/airtable/sie")).Dispose();
        var expected = failure switch { "500" => 500, "503" => 503, "unreachable" => 502, _ => 503 };
        f.Upstream.Handler = failure switch
        {
            "500" or "503" => FakeUpstream.Respond(int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture), """{"error":"down"}""", "application/json", ("X-Failure", "1")),
            _ => FakeUpstream.AbortBeforeHeaders(),
        };
        if (failure == "circuit-open")
        {
            // Two failures open the circuit (threshold 2); the next request is not sent at all.
            (await f.GetAsync("/api/airtable/other")).Dispose();
            (await f.GetAsync("/api/airtable/other")).Dispose();
        }

        var contacts = f.Upstream.ContactCount;
        using var response = await f.GetAsync("/api/airtable/sie");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"v":1}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("yes", response.Headers.GetValues("X-Stored").Single());
        Assert.False(response.Headers.Contains("X-Failure"));
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.Single(response.Headers.GetValues("X-Request-ID"));
        var status = CacheFixture.Status(response);
        Assert.StartsWith($"PyAirtableGateway; fwd=stale; fwd-status={expected}; ttl=-", status, StringComparison.Ordinal);
        Assert.EndsWith("; detail=stale-if-error", status, StringComparison.Ordinal);
        Assert.Equal(failure == "circuit-open" ? contacts : contacts + 1, f.Upstream.ContactCount);
    }

    [Fact]
    public async Task Get_RequestStaleIfError_StoredResponseAnswersFailure()
    {
        _f.Answer("kept", ("Cache-Control", "max-age=0"), ("ETag", "\"k\""));
        (await _f.GetAsync("/api/airtable/ask")).Dispose();
        _f.Upstream.Handler = FakeUpstream.Respond(500, "down");

        using var plain = await _f.GetAsync("/api/airtable/ask");
        using var asked = await _f.GetAsync("/api/airtable/ask", CacheFixture.AliceKey, ("Cache-Control", "stale-if-error=60"));

        Assert.Equal(HttpStatusCode.InternalServerError, plain.StatusCode);
        Assert.Equal("down", await plain.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Equal("kept", await asked.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("max-age=0, stale-if-error=600, must-revalidate", 500)]
    [InlineData("max-age=0, stale-if-error=600, proxy-revalidate", 500)]
    [InlineData("max-age=0, stale-if-error=0", 500)]
    [InlineData("max-age=0, stale-if-error=600", 404)]
    public async Task Get_StaleIfErrorNotApplicable_FailurePassesThrough(string cacheControl, int status)
    {
        _f.Answer("kept", ("Cache-Control", cacheControl), ("Age", "5"));
        (await _f.GetAsync("/api/airtable/pass")).Dispose();
        _f.Upstream.Handler = FakeUpstream.Respond(status, "failure");

        using var response = await _f.GetAsync("/api/airtable/pass");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("failure", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_StaleIfErrorButServiceStreamsSuccess_BodyNotHeldBack()
    {
        _f.Answer("kept", ("Cache-Control", "max-age=0, stale-if-error=600"));
        (await _f.GetAsync("/api/airtable/stream")).Dispose();
        var more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _f.Upstream.Handler = async (context, _) =>
        {
            await context.Response.WriteAsync("first;", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await more.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("second", context.RequestAborted);
        };

        using var connection = await RawConnection.ConnectAsync(_f.Gateway.Port);
        await connection.WriteAsync($"GET /api/airtable/stream HTTP/1.1\r\nHost: gw\r\nX-API-Key: {CacheFixture.AliceKey}\r\nConnection: close\r\n\r\n");
        await connection.ReadUntilAsync("first;");
        more.SetResult();
        var rest = Encoding.ASCII.GetString(await connection.ReadToEndAsync());

        Assert.Contains("second", rest, StringComparison.Ordinal);
    }
}
