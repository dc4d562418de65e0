using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.RateLimiting;

/// <summary>
/// A private <c>redis-server</c> on a free loopback port, without persistence, stopped by its PID. It can be stopped
/// and started again on the same port to stand in for an outage.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>True when the redis-server program is installed (apt-get install redis-server; .ci/run does it).</summary>
    public static bool Available => File.Exists("/usr/bin/redis-server") || File.Exists("/usr/local/bin/redis-server");

    /// <summary>Starts a server; fails the test (rather than skipping it) when redis-server is not installed.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        Assert.True(Available, "redis-server is not installed (apt-get install redis-server)");
        var server = new RedisServer(FreePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on its port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo(File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited before it was ready"));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WithTimeout();
    }

    /// <summary>Kills the server (by PID) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync().WithTimeout();
        process.Dispose();
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but nothing answers.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Completes when <paramref name="connection"/> reports the given state, checked on its events; fails after 20 s.</summary>
    public static Task WaitForStateAsync(StackExchange.Redis.IConnectionMultiplexer connection, bool connected)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(object? sender, StackExchange.Redis.ConnectionFailedEventArgs e)
        {
            if (connection.IsConnected == connected)
            {
                reached.TrySetResult();
            }
        }

        connection.ConnectionFailed += Check;
        connection.ConnectionRestored += Check;
        if (connection.IsConnected == connected)
        {
            reached.TrySetResult();
        }

        return reached.Task.WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(
            t =>
            {
                connection.ConnectionFailed -= Check;
                connection.ConnectionRestored -= Check;
                t.GetAwaiter().GetResult();
            },
            TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await ResumeAsync();
        }

        await StopAsync();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().WithTimeout();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
