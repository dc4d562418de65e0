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
    public void RuntimeConfig_GcSettingsCompiledIn()
    {
        // In the runtimeconfig for the JIT build; the native AOT build embeds the same properties (both runtimes read
        // these public names, in decimal), so the executable needs no DOTNET_GC* variables inside or outside the image.
        var properties = ConfigProperties();

        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.False(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        Assert.Equal(1024 * 1024, properties.GetProperty("System.GC.Gen0MaxBudget").GetInt32());
        Assert.Equal(75, properties.GetProperty("System.GC.HeapHardLimitPercent").GetInt32());
        Assert.Equal(5, properties.GetProperty("System.GC.ConserveMemory").GetInt32());
    }

    [Fact]
    public void NativeAot_Gen1BudgetEmbeddedUnderTheGcsOwnName()
    {
        // The GC reads Gen1MaxBudget only under its own name (no System.GC.* name): as a compiler runtime option, in hex.
        var project = System.Xml.Linq.XDocument.Load(DeploymentFiles.PathOf("Gateway", "Gateway.csproj"));
        var options = project.Descendants("IlcArg").Select(static e => (string?)e.Attribute("Include")).ToList();

        var option = Assert.Single(options, static o => o?.StartsWith("--runtimeopt:GCGen1MaxBudget=", StringComparison.Ordinal) == true);
        Assert.Equal(4 * 1024 * 1024, Convert.ToInt64(option!.Split('=')[1], 16));
        Assert.False(ConfigProperties().TryGetProperty("System.GC.Gen1MaxBudget", out _), "a runtimeconfig name the GC ignores");
    }

    [Fact]
    public void RuntimeConfig_Gen0Budget_IsTheOneTheLoadHarnessGivesTheBaselines()
    {
        // The harness runs YARP and the floor with the gateway's budget (hexadecimal, as the runtime reads variables).
        var budget = ConfigProperties().GetProperty("System.GC.Gen0MaxBudget").GetInt64();

        Assert.Equal(budget, Convert.ToInt64(PyAirtable.Gateway.Benchmarks.Load.LoadOptions.ImageGen0Size, 16));
        Assert.Equal(PyAirtable.Gateway.Benchmarks.Load.LoadOptions.ImageGen0Size, PyAirtable.Gateway.Benchmarks.Load.LoadOptions.Parse([]).Gen0Size);
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
