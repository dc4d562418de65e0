using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Cors;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>
/// Issue 7: the configuration file (<c>GATEWAY_CONFIG_FILE</c>) of a running gateway is rewritten; new rate limits,
/// instance lists and CORS origins take effect without a restart, and a broken or invalid file is ignored (the last
/// good configuration stays in force, and a log line says why).
/// </summary>
public sealed class ConfigurationReloadTests
{
    private const string ChatBody = """{"message":"hi"}""";

    private static string Json(string llmUrl, int chatPerMinute, string origins = "http://localhost:3000") => $$"""
        {
          // Comments and trailing commas are allowed, as in appsettings.json.
          "Gateway": {
            "RateLimits": { "PerMinute": 0, "ChatPerMinute": {{chatPerMinute}} },
            "Services": { "LlmOrchestrator": { "Url": "{{llmUrl}}" } },
            "Cors": { "Origins": "{{origins}}" },
          }
        }
        """;

    private static Task<GatewayHost> StartAsync(ConfigFile file) =>
        GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["GATEWAY_CONFIG_FILE"] = file.Path,
            ["Gateway:ConfigFilePollSeconds"] = "0.05",
            ["Logging:LogLevel:PyAirtable.Gateway.Configuration"] = "Information",
        });

    /// <summary>Completes when <typeparamref name="T"/> reloads to a value <paramref name="match"/> accepts.</summary>
    private static Task WhenReloaded<T>(GatewayHost gateway, Func<T, bool> match)
        where T : class
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.App.Services.GetRequiredService<ReloadableOptions<T>>().Changed += value =>
        {
            if (match(value))
            {
                reloaded.TrySetResult();
            }
        };
        return reloaded.Task.WithTimeout();
    }

    private static async Task<HttpStatusCode> ChatAsync(GatewayHost gateway)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
        return response.StatusCode;
    }

    private static async Task<string?> AllowedOriginAsync(GatewayHost gateway, string origin)
    {
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        request.Headers.Add("Origin", origin);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
    }

    [Fact]
    public async Task FileRewritten_NewRateLimitInstanceListAndOrigins_TakeEffectWithoutRestart()
    {
        await using var before = await FakeUpstream.StartAsync();
        await using var after = await FakeUpstream.StartAsync();
        using var file = ConfigFile.Create(Json(before.Url, chatPerMinute: 3, origins: "http://before.test"));
        await using var gateway = await StartAsync(file);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await ChatAsync(gateway));
        Assert.Equal("http://before.test", await AllowedOriginAsync(gateway, "http://before.test"));
        Assert.Equal(4, before.ContactCount); // 3 chats and the tools call; the 4th chat was refused
        var servicesHash = gateway.App.Services.GetRequiredService<ReloadableOptions<ServicesOptions>>().Status.Hash;

        var limits = WhenReloaded<RateLimitOptions>(gateway, o => o.ChatPerMinute == 11);
        var services = WhenReloaded<ServicesOptions>(gateway, o => o.LlmOrchestrator.Url == after.Url);
        var origins = WhenReloaded<GatewayCorsOptions>(gateway, o => o.Origins == "http://after.test");
        file.Write(Json(after.Url, chatPerMinute: 11, origins: "http://after.test"));
        await Task.WhenAll(limits, services, origins);

        // The chat limit's buckets start afresh under the new limit: 11 calls pass, the 12th does not.
        for (var i = 0; i < 11; i++)
        {
            using var response = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("11", response.Headers.GetValues("RateLimit-Limit").Single());
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await ChatAsync(gateway));
        Assert.Equal(11, after.ContactCount);
        Assert.Equal(4, before.ContactCount);

        Assert.Equal("http://after.test", await AllowedOriginAsync(gateway, "http://after.test"));
        Assert.Null(await AllowedOriginAsync(gateway, "http://before.test"));

        var status = gateway.App.Services.GetRequiredService<ReloadableOptions<ServicesOptions>>().Status;
        Assert.Equal(1, status.Reloads);
        Assert.NotEqual(servicesHash, status.Hash);
        Assert.Null(status.Rejected);
    }

    [Fact]
    public async Task BrokenThenInvalidFile_LastGoodConfigurationKeepsWorking_AndALogLineSaysWhy()
    {
        await using var llm = await FakeUpstream.StartAsync();
        await using var other = await FakeUpstream.StartAsync();
        using var file = ConfigFile.Create(Json(llm.Url, chatPerMinute: 3));
        await using var gateway = await StartAsync(file);
        var logs = LogCapture.AttachTo(gateway.App.Services);

        // Not JSON at all: the file is ignored, nothing reverts to defaults (chat 10 a minute, a service on localhost).
        file.Write("""{ "Gateway": { "RateLimits": { "ChatPerMinute": 50 """);
        var broken = await logs.WaitForAsync(8010);
        Assert.Contains(file.Path, broken.Message, StringComparison.Ordinal);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await ChatAsync(gateway));
        Assert.Equal(3, llm.ContactCount);

        // Valid JSON, invalid value: the rate limits keep their last good value (and their buckets).
        file.Write(Json(llm.Url, chatPerMinute: -5));
        var invalid = await logs.WaitForAsync(8001, line => line.Message.Contains("Gateway:RateLimits", StringComparison.Ordinal));
        Assert.Contains("CHAT_RATE_LIMIT_PER_MINUTE", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("-5", invalid.Message, StringComparison.Ordinal);

        using (var limited = await gateway.SendAsync(HttpMethod.Post, "/api/chat", json: ChatBody))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("3", limited.Headers.GetValues("RateLimit-Limit").Single());
        }

        using (var tools = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        }

        Assert.Equal(4, llm.ContactCount);
        var rateLimits = gateway.App.Services.GetRequiredService<ReloadableOptions<RateLimitOptions>>();
        Assert.Equal(3, rateLimits.Current.ChatPerMinute);
        Assert.NotNull(rateLimits.Status.Rejected);
        Assert.Single(logs.Lines, line => line.EventId == 8001 && line.Message.Contains("Gateway:RateLimits", StringComparison.Ordinal));

        // An instance list that is not a URL is refused the same way.
        file.Write(Json("not-a-url", chatPerMinute: 3));
        var badUrl = await logs.WaitForAsync(8001, line => line.Message.Contains("Gateway:Services", StringComparison.Ordinal));
        Assert.Contains("not-a-url", badUrl.Message, StringComparison.Ordinal);
        using (var tools = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        }

        Assert.Equal(5, llm.ContactCount);

        // A value of the wrong type fails binding: refused the same way.
        file.Write(Json(llm.Url, chatPerMinute: 3).Replace("\"ChatPerMinute\": 3", "\"ChatPerMinute\": \"lots\"", StringComparison.Ordinal));
        var wrongType = await logs.WaitForAsync(8001, line => line.Message.Contains("lots", StringComparison.Ordinal));
        Assert.Contains("Gateway:RateLimits:ChatPerMinute", wrongType.Message, StringComparison.Ordinal);
        Assert.Equal(3, rateLimits.Current.ChatPerMinute);

        // A good file afterwards is taken as usual.
        var fixedLimits = WhenReloaded<RateLimitOptions>(gateway, o => o.ChatPerMinute == 5);
        var fixedServices = WhenReloaded<ServicesOptions>(gateway, o => o.LlmOrchestrator.Url == other.Url);
        file.Write(Json(other.Url, chatPerMinute: 5));
        await Task.WhenAll(fixedLimits, fixedServices);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(gateway));
        Assert.Equal(1, other.ContactCount);
        Assert.Null(rateLimits.Status.Rejected);
    }

    [Fact]
    public async Task ChatLimitChanged_UnchangedGlobalLimit_KeepsItsBuckets()
    {
        await using var llm = await FakeUpstream.StartAsync();
        using var file = ConfigFile.Create(Json(llm.Url, chatPerMinute: 3).Replace("\"PerMinute\": 0", "\"PerMinute\": 5", StringComparison.Ordinal));
        await using var gateway = await StartAsync(file);

        for (var i = 0; i < 3; i++)
        {
            using var tools = await gateway.GetAsync("/api/tools");
            Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        }

        var reloaded = WhenReloaded<RateLimitOptions>(gateway, o => o.ChatPerMinute == 4);
        file.Write(Json(llm.Url, chatPerMinute: 4).Replace("\"PerMinute\": 0", "\"PerMinute\": 5", StringComparison.Ordinal));
        await reloaded;

        // The global limit (5) did not change: its bucket still holds the three calls made before the reload.
        for (var i = 0; i < 2; i++)
        {
            using var tools = await gateway.GetAsync("/api/tools");
            Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        }

        using var limited = await gateway.GetAsync("/api/tools");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("5", limited.Headers.GetValues("RateLimit-Limit").Single());
    }

    [Fact]
    public async Task ConfigMapVolume_SymlinkSwapped_IsReloaded()
    {
        await using var before = await FakeUpstream.StartAsync();
        await using var after = await FakeUpstream.StartAsync();
        using var file = ConfigFile.ConfigMapStyle(Json(before.Url, chatPerMinute: 3));
        await using var gateway = await StartAsync(file);

        using (var first = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var services = WhenReloaded<ServicesOptions>(gateway, o => o.LlmOrchestrator.Url == after.Url);
        file.Write(Json(after.Url, chatPerMinute: 3));
        await services;

        using (var second = await gateway.GetAsync("/api/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        Assert.Equal(1, before.ContactCount);
        Assert.Equal(1, after.ContactCount);
    }

    [Fact]
    public async Task MissingFile_AtStart_StopsStartupNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "gateway-missing-" + Guid.NewGuid().ToString("N") + ".json");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(overrides: new Dictionary<string, string?> { ["GATEWAY_CONFIG_FILE"] = path }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenFile_AtStart_StopsStartupNamingTheFile()
    {
        using var file = ConfigFile.Create("{ not json");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(file));
        Assert.Contains(file.Path, error.Message, StringComparison.Ordinal);
    }
}
