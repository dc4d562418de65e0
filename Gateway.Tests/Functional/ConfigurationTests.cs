using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Configuration" and "Starting it": flat names, defaults, start-up validation naming the bad setting.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("UPSTREAM_TIMEOUT", "-1")]
    [InlineData("UPSTREAM_TIMEOUT", "0")]
    [InlineData("UPSTREAM_TIMEOUT", "soon")]
    [InlineData("HEALTH_CHECK_TIMEOUT", "-5")]
    [InlineData("AIRTABLE_GATEWAY_URL", "not-a-url")]
    [InlineData("LLM_ORCHESTRATOR_URL", "ftp://127.0.0.1:21")]
    [InlineData("MCP_SERVER_URL", "localhost-without-scheme")]
    [InlineData("MAX_REQUEST_BODY_BYTES", "-1")]
    [InlineData("MAX_REQUEST_BODY_BYTES", "ten")]
    [InlineData("RATE_LIMIT_PER_MINUTE", "-1")]
    [InlineData("CHAT_RATE_LIMIT_PER_MINUTE", "-3")]
    [InlineData("Gateway:InlineScheduling", "maybe")]
    [InlineData("Gateway:IdleHandoff", "sometimes")]
    public async Task BadSetting_StartupFailsNamingSettingAndValue(string name, string value)
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["API_KEY"] = "very-secret-key-42";
        settings[name] = value;

        var error = await StartExpectingFailureAsync(settings);

        AssertNamesSetting(AllMessages(error), name);
        Assert.Contains(value, AllMessages(error), StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-key-42", AllMessages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoApiKey_StartupFailsNamingApiKey()
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["API_KEY"] = null;

        var error = await StartExpectingFailureAsync(settings);

        AssertNamesSetting(AllMessages(error), "API_KEY");
    }

    [Fact]
    public async Task EmptyApiKey_StartupFails()
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["API_KEY"] = "";

        var error = await StartExpectingFailureAsync(settings);

        AssertNamesSetting(AllMessages(error), "API_KEY");
    }

    [Fact]
    public async Task OnlyApiKey_StartsWithDefaults()
    {
        var app = Program.CreateApp(["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=None", $"--API_KEY={GatewayHost.ApiKey}"]);
        try
        {
            await app.StartAsync().WithTimeout();
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            using var response = await client.GetAsync("/livez").WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task FractionalUpstreamTimeout_Accepted()
    {
        await using var gateway = await GatewayHost.StartAsync(null, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "0.25" });

        using var response = await gateway.GetAsync("/livez", withKey: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ServiceUrlWithTrailingSlashAndBasePath_ConcatenatedWithSuffix()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url + "/v0/", null, null);

        var response = await RawConnection.SendAsync(gateway.Port,
            $"GET /api/airtable/bases/app1?x=%2F HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("/v0/bases/app1?x=%2F", Assert.Single(airtable.Requests).RawTarget);
    }

    [Fact]
    public async Task MaxRequestBodyBytes_DefaultIsTenMebibytes()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(airtable, null, null,
            new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = null });

        using var atLimit = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        atLimit.Headers.ExpectContinue = true;
        atLimit.Content = new ByteArrayContent(new byte[10 * 1024 * 1024]);
        using var accepted = await gateway.SendAsync(atLimit);
        using var overLimit = GatewayHost.Request(HttpMethod.Post, "/api/airtable/upload");
        overLimit.Headers.ExpectContinue = true; // the gateway answers 413 without reading the body
        overLimit.Content = new ByteArrayContent(new byte[(10 * 1024 * 1024) + 1]);
        using var refused = await gateway.SendAsync(overLimit);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal(1, airtable.ContactCount);
    }

    private static async Task<Exception> StartExpectingFailureAsync(Dictionary<string, string?> settings)
    {
        Microsoft.AspNetCore.Builder.WebApplication? app = null;
        var error = await Record.ExceptionAsync(async () =>
        {
            app = Program.CreateApp(GatewayHost.Arguments(settings));
            await app.StartAsync().WithTimeout();
        });

        if (app is not null)
        {
            if (error is null)
            {
                await app.StopAsync();
            }

            await app.DisposeAsync();
        }

        Assert.True(error is not null, "the gateway started with a bad setting");
        return error;
    }

    private static string AllMessages(Exception error)
    {
        var messages = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(inner => inner.Message));
            }

            if (e is Microsoft.Extensions.Options.OptionsValidationException validation)
            {
                messages.AddRange(validation.Failures);
            }
        }

        return string.Join("\n", messages);
    }

    /// <summary>The message names the setting by its flat name or its options property name (UPSTREAM_TIMEOUT / UpstreamTimeout).</summary>
    private static void AssertNamesSetting(string text, string flatName)
    {
        var squashed = flatName.Replace("_", "", StringComparison.Ordinal);
        Assert.True(
            text.Contains(flatName, StringComparison.OrdinalIgnoreCase)
            || text.Replace("_", "", StringComparison.Ordinal).Contains(squashed, StringComparison.OrdinalIgnoreCase),
            $"the start-up error does not name {flatName}: {text}");
    }
}
