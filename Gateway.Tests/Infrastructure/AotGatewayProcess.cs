using System.Diagnostics;
using System.Text;
using PyAirtable.Gateway.Benchmarks.Load;
using PyAirtable.Gateway.Tests.GraphQL;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>The published native AOT gateway (<see cref="AotBinaryFactAttribute.Path"/>) as a child process on a free port, its output collected.</summary>
internal sealed class AotGatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AotGatewayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far, standard output and error.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the gateway with the API key, a free port and <paramref name="environment"/>; <paramref name="onLine"/> sees each line it writes.</summary>
    public static AotGatewayProcess Start(IReadOnlyDictionary<string, string> environment, Action<string>? onLine = null)
    {
        var port = ProxyProcess.FreePort();
        var start = new ProcessStartInfo(AotBinaryFactAttribute.Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["API_KEY"] = GatewayHost.ApiKey;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var gateway = new AotGatewayProcess(Process.Start(start)!, port);
        void Read(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is { } line)
            {
                lock (gateway._output)
                {
                    gateway._output.AppendLine(line);
                }

                onLine?.Invoke(line);
            }
        }

        gateway._process.OutputDataReceived += Read;
        gateway._process.ErrorDataReceived += Read;
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>A client for the gateway, with the API key.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("X-API-Key", GatewayHost.ApiKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WithTimeout();
        _process.Dispose();
    }
}
