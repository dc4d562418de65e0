using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>Observability settings: validated at start, and each switch does what it says.</summary>
public sealed class ObservabilityOptionsTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(ObservabilityOptionsValidator.MaxLoggedBodyBytes + 1)]
    public void Validator_BodyLimitOutOfRange_FailsNamingTheSetting(int bytes)
    {
        var options = new ObservabilityOptions { BodyLogging = new BodyLoggingOptions { MaxBodyBytes = bytes } };

        var result = new ObservabilityOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Observability:BodyLogging:MaxBodyBytes", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_BadBodyLimit_Refused()
    {
        var args = GatewayHost.Arguments(new Dictionary<string, string?>(GatewayHost.DefaultSettings(null, null, null))
        {
            ["Gateway:Observability:BodyLogging:MaxBodyBytes"] = "-5",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = Program.CreateApp(args);
            await app.StartAsync().WithTimeout();
        });

        Assert.Contains("Gateway:Observability:BodyLogging:MaxBodyBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("-5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_SwitchedOff_FeedSaysSoAndStillListsServices()
    {
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Gateway:Observability:Dashboard"] = "false",
        });

        using var response = await gateway.GetAsync("/dashboard/feed");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(json.RootElement.GetProperty("enabled").GetBoolean());
        Assert.False(json.RootElement.TryGetProperty("routes", out _));
        Assert.Equal(3, json.RootElement.GetProperty("services").GetArrayLength());
    }
}
