using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using PyAirtable.Gateway.Benchmarks.Load;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>
/// The README's "see it work" command as a process: <c>Gateway.Benchmarks demo</c> serves the gateway with the three
/// emulated services, answers the printed requests, and stops cleanly on Ctrl+C (SIGINT).
/// </summary>
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_AnswersThroughTheGateway_StopsOnSigint()
    {
        var gatewayPort = ProxyProcess.FreePort();
        using var demo = Start(
            "demo", "--gateway-port", Port(gatewayPort), "--airtable-port", Port(ProxyProcess.FreePort()),
            "--mcp-port", Port(ProxyProcess.FreePort()), "--llm-port", Port(ProxyProcess.FreePort()));
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                exited.TrySetResult();
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("Press Ctrl+C to stop.", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"curl -s http://127.0.0.1:{gatewayPort}/api/health", Text(output), StringComparison.Ordinal);

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
            using (var health = await client.GetAsync("/api/health").WithTimeout())
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Contains("\"status\":\"healthy\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/airtable/bases/appDemo123/tables");
            request.Headers.Add("X-API-Key", "demo-key");
            using (var records = await client.SendAsync(request).WithTimeout())
            {
                Assert.Equal(HttpStatusCode.OK, records.StatusCode);
                Assert.Contains("\"path\": \"/bases/appDemo123/tables\"", await records.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using (var interrupt = Process.Start("kill", ["-INT", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync().WithTimeout();
            }

            await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await exited.Task.WithTimeout();
            Assert.Equal(0, demo.ExitCode);
            Assert.EndsWith("Stopped.", Text(output).TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Demo_BadOption_ExitCode2NamesIt()
    {
        using var demo = Start("demo", "--gateway-port", "eighty");
        var error = demo.StandardError.ReadToEndAsync();

        await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, demo.ExitCode);
        Assert.Contains("'--gateway-port' expects a non-negative integer, got 'eighty'", await error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--quick", "-h")]
    public async Task Load_Help_PrintsOptionsExitCode0(params string[] args)
    {
        using var load = Start(["load", .. args]);
        var output = load.StandardOutput.ReadToEndAsync();

        await load.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, load.ExitCode);
        Assert.Contains("--connections 1,32", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_QuickRun_WarmsUpAgainAfterIdleBeforeMeasuring()
    {
        var output = Directory.CreateTempSubdirectory("load-warmup-");
        try
        {
            using var load = Start("load", "--quick", "--targets", "direct", "--connections", "4", "--out", output.FullName);
            var progress = load.StandardError.ReadToEndAsync();
            var table = load.StandardOutput.ReadToEndAsync();

            await load.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));

            Assert.True(load.ExitCode == 0, await table + await progress);
            var text = await progress;
            var warmup = text.IndexOf("direct c=4 closed warm-up ", StringComparison.Ordinal);
            var afterIdle = text.IndexOf("direct c=4 closed warm-up after idle", StringComparison.Ordinal);
            var round = text.IndexOf("direct c=4 closed round 1/1", StringComparison.Ordinal);
            Assert.True(warmup >= 0 && afterIdle > warmup && round > afterIdle, text);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("inline", 1)]
    [InlineData("pool", 1)]
    public Task Load_HarnessScheduling_OneSocketEventThread(string scheduling, int expected) =>
        // Thread names from /proc; on this 2-CPU machine inline completions alone would start two event threads.
        // The upstream listens, so the runtime's socket engines (all started together) are running.
        WhileLoadRunsAsync(
            ["--harness-scheduling", scheduling, "--harness-gen0size", "none"],
            load => Assert.Equal(expected, SocketEventThreads(load.Id)));

    [Fact]
    public Task Load_StartsItselfAgainWithItsGen0Budget_OnceAndWithTheSameArguments() =>
        WhileLoadRunsAsync([], load =>
        {
            // The harness that runs is the one child, with the budget; the process started here only waits for it.
            // Children are listed per thread of the parent: whichever thread started it.
            var children = Directory.GetDirectories($"/proc/{load.Id}/task")
                .SelectMany(static task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var child = int.Parse(Assert.Single(children), CultureInfo.InvariantCulture);
            var environment = File.ReadAllText($"/proc/{child}/environ").Split('\0');
            Assert.Contains($"{HarnessGc.Gen0SizeVariable}={LoadOptions.DefaultHarnessGen0Size}", environment);
            Assert.Contains($"{HarnessGc.Gen0MaxBudgetVariable}={LoadOptions.DefaultHarnessGen0Size}", environment);
            Assert.Contains("--out", File.ReadAllText($"/proc/{child}/cmdline").Split('\0'));
            Assert.Equal(1, SocketEventThreads(child));
            Assert.Equal(0, SocketEventThreads(load.Id));
        });

    /// <summary>Runs <c>load --quick --targets direct</c> with <paramref name="args"/> and checks the processes once its upstream listens.</summary>
    private static async Task WhileLoadRunsAsync(string[] args, Action<Process> check)
    {
        var output = Directory.CreateTempSubdirectory("load-run-");
        using var load = Start(["load", "--quick", "--targets", "direct", .. args, "--out", output.FullName]);
        try
        {
            var upstreamStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            load.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null || e.Data.StartsWith("Upstream (in this process)", StringComparison.Ordinal))
                {
                    upstreamStarted.TrySetResult();
                }
            };
            load.BeginOutputReadLine();
            await upstreamStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.False(load.HasExited, "load ended before its upstream was up");

            check(load);
        }
        finally
        {
            load.Kill(entireProcessTree: true);
            await load.WaitForExitAsync();
            output.Delete(recursive: true);
        }
    }

    private static int SocketEventThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(static task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets");

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(ProxyProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Benchmarks.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("API_KEY");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment.Remove(PyAirtable.Gateway.Configuration.HostingExtensions.InlineCompletionsVariable);
        return Process.Start(start)!;
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
