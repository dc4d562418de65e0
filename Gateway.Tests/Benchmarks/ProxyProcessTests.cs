using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>The harness's proxy processes: a proxy that dies is reported with its output, and no two get one port.</summary>
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
