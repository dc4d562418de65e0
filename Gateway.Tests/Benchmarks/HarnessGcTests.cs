using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>The harness starts itself again with its own gen0 budget, once, with the same arguments.</summary>
public sealed class HarnessGcTests
{
    [Theory]
    [InlineData("8000000", null, null, true)]
    [InlineData("8000000", "100000", "100000", true)]
    [InlineData("8000000", "8000000", null, true)]
    [InlineData("8000000", "8000000", "8000000", false)]
    [InlineData(null, null, null, false)]
    [InlineData(null, "100000", "100000", false)]
    public void NeedsRelaunch_OnlyWhenABudgetIsWantedAndNotInForce(string? wanted, string? gen0Size, string? maxBudget, bool relaunch)
    {
        var environment = new Dictionary<string, string?>
        {
            [HarnessGc.Gen0SizeVariable] = gen0Size,
            [HarnessGc.Gen0MaxBudgetVariable] = maxBudget,
        };

        Assert.Equal(relaunch, HarnessGc.NeedsRelaunch(wanted, name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void RelaunchStartInfo_DotnetHost_EntryAssemblyThenTheLoadArguments_BudgetInTheEnvironment()
    {
        var startInfo = HarnessGc.RelaunchStartInfo("/usr/share/dotnet/dotnet", "/b/Gateway.Benchmarks.dll", ["--quick", "--out", "a b"], "8000000");

        Assert.Equal("/usr/share/dotnet/dotnet", startInfo.FileName);
        Assert.Equal(["/b/Gateway.Benchmarks.dll", "load", "--quick", "--out", "a b"], startInfo.ArgumentList);
        Assert.Equal("8000000", startInfo.Environment[HarnessGc.Gen0SizeVariable]);
        Assert.Equal("8000000", startInfo.Environment[HarnessGc.Gen0MaxBudgetVariable]);
        Assert.False(startInfo.UseShellExecute);
        Assert.True(HarnessGc.NeedsRelaunch("8000000", _ => null));
        Assert.False(HarnessGc.NeedsRelaunch("8000000", name => startInfo.Environment[name]));
    }

    [Fact]
    public void RelaunchStartInfo_Apphost_RunsAsItIs()
    {
        var startInfo = HarnessGc.RelaunchStartInfo("/b/Gateway.Benchmarks", "/b/Gateway.Benchmarks.dll", ["--quick"], "200000");

        Assert.Equal("/b/Gateway.Benchmarks", startInfo.FileName);
        Assert.Equal(["load", "--quick"], startInfo.ArgumentList);
        Assert.Equal("200000", startInfo.Environment[HarnessGc.Gen0SizeVariable]);
    }
}
