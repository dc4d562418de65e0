using PyAirtable.Gateway.Benchmarks.Load;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>
/// The harness's proxy processes: a proxy that dies is reported with its output, no two get one port, and none inherits
/// the harness's own socket scheduling, hosting or GC settings.
/// </summary>
public sealed class ProxyProcessTests
{
    [Fact]
    public async Task WaitReady_ProcessExited_ReportsExitCodeAndOutput()
    {
        using var proxy = ProxyProcess.Start(
            "gateway", "/bin/sh", ["-c", "echo 'Failed to bind to address: address already in use' >&2; exit 3"],
            new Dictionary<string, string>(), ProxyProcess.FreePort(), cpu: null);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => proxy.WaitReadyAsync("/", TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Contains("gateway exited with code 3 during start-up", error.Message, StringComparison.Ordinal);
        Assert.Contains("address already in use", error.Message, StringComparison.Ordinal);
        Assert.True(proxy.HasExited);
        Assert.Contains("exited with code 3", proxy.ExitReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("0", "4")]
    public void ForChild_HarnessRunsInline_ProxyGetsTheVariablesAsInherited(string? inlineCompletions, string? threadCount)
    {
        var environment = new Dictionary<string, string?>
        {
            [HostingExtensions.InlineCompletionsVariable] = "1",
            [HarnessScheduling.ThreadCountVariable] = "1",
            ["OTHER"] = "kept",
        };
        var inherited = new Dictionary<string, string?>
        {
            [HostingExtensions.InlineCompletionsVariable] = inlineCompletions,
            [HarnessScheduling.ThreadCountVariable] = threadCount,
        };

        HarnessScheduling.ForChild(environment, inherited);

        Assert.Equal(inlineCompletions, environment.GetValueOrDefault(HostingExtensions.InlineCompletionsVariable));
        Assert.Equal(threadCount, environment.GetValueOrDefault(HarnessScheduling.ThreadCountVariable));
        Assert.Equal(inlineCompletions is null ? 1 : 3, environment.Count);
        Assert.Equal("kept", environment["OTHER"]);
    }

    [Fact]
    public void RemoveHarnessVariables_HostingAndGcSettingsOfTheHarness_NotPassedOn()
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:5000",
            ["ASPNETCORE_HTTP_PORTS"] = "5000",
            [HarnessGc.Gen0SizeVariable] = LoadOptions.DefaultHarnessGen0Size,
            [HarnessGc.Gen0MaxBudgetVariable] = LoadOptions.DefaultHarnessGen0Size,
            ["OTHER"] = "kept",
        };

        ProxyProcess.RemoveHarnessVariables(environment);

        Assert.Equal(["OTHER"], environment.Keys);
    }

    [Fact]
    public void FreePort_NeverHandsOutAPortTwice()
    {
        var ports = new HashSet<int>();
        for (var i = 0; i < 300; i++)
        {
            Assert.True(ports.Add(ProxyProcess.FreePort()), $"port handed out twice after {i} ports");
        }
    }
}
