using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>
/// A gateway started as its own process (<c>dotnet Gateway.dll</c>, listening on 127.0.0.1 with a random port): a
/// second replica that shares nothing with the test process but what it is configured to share (Redis), and what only
/// a process of its own can show (signals, its own socket scheduling).
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private GatewayProcess(Process process, int port, ConcurrentQueue<string> output)
    {
        Process = process;
        Port = port;
        Output = output;
    }

    public Process Process { get; }

    public int Port { get; }

    /// <summary>Every line the process wrote to standard output and error.</summary>
    public ConcurrentQueue<string> Output { get; }

    /// <summary>Starts a gateway process with <paramref name="settings"/> (configuration keys, <c>:</c> or <c>__</c>; a null value unsets it) and waits until it listens.</summary>
    public static async Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var output = new ConcurrentQueue<string>();
        var process = Start(settings);
        try
        {
            return new GatewayProcess(process, await ListeningPortAsync(process, output), output);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Starts <c>dotnet Gateway.dll --urls=http://127.0.0.1:0</c> with <paramref name="settings"/> as environment variables, logging at Information.</summary>
    public static Process Start(IReadOnlyDictionary<string, string?> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.dll"));
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment.Remove(PyAirtable.Gateway.Configuration.HostingExtensions.InlineCompletionsVariable);
        foreach (var (key, value) in settings)
        {
            var name = key.Replace(":", "__", StringComparison.Ordinal);
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return Process.Start(start)!;
    }

    /// <summary>The port from Kestrel's "Now listening on" line; every line goes to <paramref name="lines"/> when given.</summary>
    public static async Task<int> ListeningPortAsync(Process process, ConcurrentQueue<string>? lines = null)
    {
        var found = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines?.Enqueue(line);
                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    found.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines?.Enqueue(line);
            }
        };
        process.Exited += (_, _) => found.TrySetException(new InvalidOperationException("the gateway process exited before it listened:\n" + string.Join('\n', lines ?? [])));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return await found.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        Process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
