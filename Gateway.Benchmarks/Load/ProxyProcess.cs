using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// A proxy under test running as a child process (<c>dotnet some.dll args</c>), optionally pinned
/// to one CPU. Every instance is killed on dispose and, as a last resort, when this process exits.
/// </summary>
internal sealed class ProxyProcess : IDisposable
{
    private const int OutputLinesKept = 40;

    /// <summary>The last bytes of standard output kept for error messages.</summary>
    private const int OutputTailBytes = 8 * 1024;
    private static readonly List<ProxyProcess> Live = [];

    /// <summary>Every port handed out in this run: a released port is free again, and the next bind to port 0 may return it.</summary>
    private static readonly HashSet<int> HandedOut = [];

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly byte[] _stdoutTail = new byte[OutputTailBytes];
    private int _stdoutTailLength;

    static ProxyProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    private ProxyProcess(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        _process = process;
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Why the process is no longer running, with its last output; null while it runs.</summary>
    public string? ExitReason => _process.HasExited
        ? $"{Name} (pid {_process.Id}) exited with code {_process.ExitCode}:{Environment.NewLine}{OutputTail()}"
        : null;

    /// <summary>When the process was started (for time-to-ready and warm-up curves).</summary>
    public long StartedTimestamp { get; private set; }

    /// <summary>The <c>dotnet</c> host that runs this program, to start sibling assemblies with.</summary>
    public static string DotnetHost
    {
        get
        {
            // .../shared/Microsoft.NETCore.App/<version>/ -> ../../../dotnet
            var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
            return File.Exists(candidate) ? candidate : "dotnet";
        }
    }

    /// <summary>The harness's own hosting and GC variables, which must not leak into a proxy (its gen0 budget is --gen0size).</summary>
    public static void RemoveHarnessVariables(IDictionary<string, string?> environment)
    {
        environment.Remove("ASPNETCORE_URLS");
        environment.Remove("ASPNETCORE_HTTP_PORTS");
        environment.Remove(HarnessGc.Gen0SizeVariable);
        environment.Remove(HarnessGc.Gen0MaxBudgetVariable);
    }

    public static ProxyProcess Start(string name, string assemblyPath, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, int port, int? cpu)
    {
        // A .dll runs on the dotnet host; anything else is a native (AOT-published) executable and runs as it is.
        var native = !assemblyPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var args = native ? new List<string>() : new List<string> { assemblyPath };
        args.AddRange(arguments);
        var fileName = native ? assemblyPath : DotnetHost;
        if (cpu is { } pinned)
        {
            (fileName, args) = CpuPinning.Wrap(fileName, args, pinned);
        }

        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        RemoveHarnessVariables(startInfo.Environment);
        HarnessScheduling.ForChild(startInfo.Environment, HarnessScheduling.Inherited);

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var proxy = new ProxyProcess(name, port, process);
        process.ErrorDataReceived += (_, e) => proxy.Keep(e.Data);
        proxy.StartedTimestamp = Stopwatch.GetTimestamp();
        process.Start();
        lock (Live)
        {
            Live.Add(proxy);
        }

        // Standard output carries the gateway's access log, a line per request: read in large chunks, only its end kept,
        // so the harness (on the load generator's core) spends next to nothing on it and the pipe never fills.
        _ = proxy.DrainStandardOutputAsync(process.StandardOutput.BaseStream);
        process.BeginErrorReadLine();
        if (cpu is { } affinity)
        {
            CpuPinning.ApplyAfterStart(process, affinity);
        }

        return proxy;
    }

    /// <summary>Polls <paramref name="probePath"/> until it answers 2xx; throws with the process's last output if it does not.</summary>
    public async Task<TimeSpan> WaitReadyAsync(string probePath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                // Also waits for the end of its output, so the message has its last lines.
                await _process.WaitForExitAsync(cancellationToken);
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} during start-up:{Environment.NewLine}{OutputTail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{Port}{probePath}"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    var elapsed = Stopwatch.GetElapsedTime(StartedTimestamp);
                    if (_process.HasExited)
                    {
                        // Something else answered on this port.
                        throw new InvalidOperationException(ExitReason);
                    }

                    return elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"{Name} did not answer {probePath} within {timeout.TotalSeconds:F0} s:{Environment.NewLine}{OutputTail()}");
    }

    public ProcessStats? ReadStats() => _process.HasExited ? null : ProcessStats.Read(_process.Id);

    /// <summary>The last lines of standard output, then those of standard error.</summary>
    public string OutputTail()
    {
        lock (_output)
        {
            var stdout = System.Text.Encoding.UTF8.GetString(_stdoutTail, 0, _stdoutTailLength)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, stdout.TakeLast(OutputLinesKept).Concat(_output));
        }
    }

    private async Task DrainStandardOutputAsync(Stream stdout)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stdout.ReadAsync(buffer)) > 0)
            {
                lock (_output)
                {
                    KeepTail(buffer.AsSpan(0, read));
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
        }
    }

    private void KeepTail(ReadOnlySpan<byte> data)
    {
        if (data.Length >= OutputTailBytes)
        {
            data[^OutputTailBytes..].CopyTo(_stdoutTail);
            _stdoutTailLength = OutputTailBytes;
            return;
        }

        var keep = Math.Min(_stdoutTailLength, OutputTailBytes - data.Length);
        _stdoutTail.AsSpan(_stdoutTailLength - keep, keep).CopyTo(_stdoutTail);
        data.CopyTo(_stdoutTail.AsSpan(keep));
        _stdoutTailLength = keep + data.Length;
    }

    /// <summary>
    /// A free loopback TCP port, never one handed out before in this run: proxies started side by side must not be
    /// given the same port, or the one that binds second exits and the other answers in its place.
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No loopback port left that was not handed out already.");
    }

    public void Dispose()
    {
        Kill();
        lock (Live)
        {
            Live.Remove(this);
        }

        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void KillAll()
    {
        lock (Live)
        {
            foreach (var proxy in Live)
            {
                proxy.Kill();
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLinesKept)
            {
                _output.Dequeue();
            }
        }
    }
}
