using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>Issue 6 "Logs": header and body logging is off by default; when on, it is size-capped and never shows credentials.</summary>
public sealed class BodyLoggingTests
{
    private const string HttpLoggingCategory = "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware";
    private const string BearerSecret = "bearer-secret-7f3a";
    private const string CookieSecret = "cookie-secret-91b2";

    [Fact]
    public async Task BodyLogging_On_RedactsCredentialsAndCapsBodies()
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"answer":"0123456789abcdefghijklmnopqrstuvwxyz"}""",
            headers: ("Set-Cookie", "session=" + CookieSecret)));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Observability:BodyLogging:Enabled"] = "true",
            ["Gateway:Observability:BodyLogging:MaxBodyBytes"] = "16",
            ["Gateway:Observability:BodyLogging:Headers:0"] = "X-API-Key",
            ["Gateway:Observability:BodyLogging:Headers:1"] = "Content-Type",
            ["Gateway:Observability:BodyLogging:Headers:2"] = "X-Request-ID",
        });
        var logs = CapturingLoggerProvider.AttachTo(gateway);

        var requestId = "body-" + Guid.NewGuid().ToString("N");
        var logged = logs.WaitForAsync(e => e.Category == HttpLoggingCategory && e.Message.Contains(requestId, StringComparison.Ordinal));
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/records?api_key=query-secret", json: """{"field":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}""");
        request.Headers.Add("X-Request-ID", requestId);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + BearerSecret);
        request.Headers.Add("Cookie", "session=" + CookieSecret);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        // The query-string key is refused, but the attempt is still logged, without the query.
        var entry = await logged;
        Assert.Contains("X-API-Key: [Redacted]", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Authorization: [Redacted]", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Cookie: [Redacted]", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayHost.ApiKey, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(BearerSecret, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(CookieSecret, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("query-secret", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyLogging_OnForwardedRequest_LogsCappedBodiesAndRedactsResponseCookies()
    {
        await using var upstream = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"answer":"0123456789abcdefghijklmnopqrstuvwxyz"}""",
            headers: ("Set-Cookie", "session=" + CookieSecret)));
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Gateway:Observability:BodyLogging:Enabled"] = "true",
            ["Gateway:Observability:BodyLogging:MaxBodyBytes"] = "16",
            ["Gateway:Observability:BodyLogging:Headers:0"] = "Set-Cookie",
            ["Gateway:Observability:BodyLogging:Headers:1"] = "X-Request-ID",
        });
        var logs = CapturingLoggerProvider.AttachTo(gateway);

        var requestId = "body-" + Guid.NewGuid().ToString("N");
        var logged = logs.WaitForAsync(e => e.Category == HttpLoggingCategory && e.Message.Contains(requestId, StringComparison.Ordinal));
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/records", json: """{"field":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}""");
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = await upstream.NextRequestAsync();
        Assert.Equal("""{"field":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}""", System.Text.Encoding.UTF8.GetString(received.Body));

        var entry = await logged;
        Assert.Contains("""{"field":"ABCDEF""", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ABCDEFGHIJKLMNOPQRSTUVWXYZ", entry.Message, StringComparison.Ordinal);
        Assert.Contains("""{"answer":"01234""", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdefghij", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Set-Cookie: [Redacted]", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(CookieSecret, entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayHost.ApiKey, entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyLogging_ByDefault_Off()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.HttpLogging"] = "Information",
        });
        var logs = CapturingLoggerProvider.AttachTo(gateway);

        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/records", json: """{"field":1}""");
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Stopping waits for the request to finish in the pipeline, where HTTP logging would write its entry.
        await gateway.App.StopAsync().WithTimeout();
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal));
    }
}
