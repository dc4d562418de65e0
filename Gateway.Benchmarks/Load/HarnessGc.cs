using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// The harness's own gen0 budget. The load generator and the fast upstream share this process, so each of its gen0
/// collections stops both, and the pause lands in the latency of every request in flight, whichever target is being
/// measured. With the runtime's default budget (sized from the CPU cache) the harness collected often enough under load
/// to hold a share of all requests right at the p99, alike for every target; a 128 MiB budget makes collections rare
/// (docs/performance.md, "The harness"). The runtime reads the budget once, at
/// start, and only from the environment (a runtimeconfig knob is ignored), so <c>load</c> starts itself again with
/// the two variables set; no proxy inherits them (<see cref="ProxyProcess"/>).
/// </summary>
internal static class HarnessGc
{
    public const string Gen0SizeVariable = "DOTNET_GCgen0size";
    public const string Gen0MaxBudgetVariable = "DOTNET_GCGen0MaxBudget";

    /// <summary>True when the harness should run again with <paramref name="wanted"/> as its gen0 budget: it is set and this process runs with another.</summary>
    public static bool NeedsRelaunch(string? wanted, Func<string, string?> environment) =>
        wanted is not null
        && !(string.Equals(environment(Gen0SizeVariable), wanted, StringComparison.OrdinalIgnoreCase)
             && string.Equals(environment(Gen0MaxBudgetVariable), wanted, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The same program and <c>load</c> arguments with the gen0 variables set: the dotnet host gets the entry assembly
    /// first, an apphost (<c>dotnet run</c>) runs as it is.
    /// </summary>
    public static ProcessStartInfo RelaunchStartInfo(string processPath, string entryAssembly, IEnumerable<string> loadArguments, string gen0)
    {
        var startInfo = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            startInfo.ArgumentList.Add(entryAssembly);
        }

        startInfo.ArgumentList.Add("load");
        foreach (var argument in loadArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment[Gen0SizeVariable] = gen0;
        startInfo.Environment[Gen0MaxBudgetVariable] = gen0;
        return startInfo;
    }

    /// <summary>Runs the harness again with its gen0 budget and returns its exit code. Ctrl+C reaches it with the terminal's process group; SIGTERM here stops it and its proxies.</summary>
    public static async Task<int> RelaunchAsync(string[] loadArguments, string gen0)
    {
        var startInfo = RelaunchStartInfo(
            Environment.ProcessPath ?? throw new InvalidOperationException("The harness's own executable is unknown."),
            Assembly.GetEntryAssembly()!.Location,
            loadArguments,
            gen0);
        using var child = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}.");
        ConsoleCancelEventHandler onCancel = static (_, e) => e.Cancel = true;
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            // The harness and its proxies, all of them: nothing is left running.
            context.Cancel = true;
            child.Kill(entireProcessTree: true);
        });
        try
        {
            await child.WaitForExitAsync();
            return child.ExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
