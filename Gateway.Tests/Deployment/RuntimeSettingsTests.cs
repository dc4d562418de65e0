using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Deployment;

/// <summary>Runtime settings the JIT build ships in Gateway.runtimeconfig.json (issue 3: warm-up on one core).</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void RuntimeConfig_TierUpWithoutCallCountingDelay()
    {
        // A pod with one CPU would otherwise wait ten times the default 100 ms, again and again under traffic.
        var properties = ConfigProperties();
        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs", out var delay), properties.ToString());
        Assert.Equal(0, delay.GetInt32());
    }

    [Fact]
    public void RuntimeConfig_IdleWorkersSleepWithoutSpinning()
    {
        // On one CPU each turn of an idle worker's spin is a sched_yield that takes the core from the socket event thread.
        var properties = ConfigProperties();
        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit), properties.ToString());
        Assert.Equal(0, limit.GetInt32());
    }

    [Fact]
    public void RuntimeConfig_NoNativeAotSwitchesInJitBuild()
    {
        // PublishAot applies only with a runtime identifier; its switches would make DI and middleware reflect per request.
        var properties = ConfigProperties();
        Assert.False(properties.TryGetProperty("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", out _), properties.ToString());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task InlineScheduling_OnUnlessTurnedOff(string? setting, bool inline)
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["Gateway:InlineScheduling"] = setting;
        await using var app = Program.CreateApp(GatewayHost.Arguments(settings));

        Assert.Equal(inline, app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }

    private static JsonElement ConfigProperties()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Gateway.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
