using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>
/// A TCP listener standing in for a service that answers every request with exact bytes, for
/// response headers Kestrel would not let a handler write (hop-by-hop headers and the like).
/// </summary>
internal sealed class RawUpstream : IDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _firstHead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RawUpstream(string response)
    {
        _response = Encoding.UTF8.GetBytes(response);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _ = AcceptLoopAsync();
    }

    public string Url { get; }

    /// <summary>The head of the first request received.</summary>
    public Task<string> FirstRequestHead => _firstHead.Task.WithTimeout();

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var received = new MemoryStream();
                var buffer = new byte[8192];
                while (RawResponse.IndexOf(received.ToArray(), "\r\n\r\n"u8, 0) < 0)
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    received.Write(buffer, 0, read);
                }

                _firstHead.TrySetResult(Encoding.Latin1.GetString(received.ToArray()));
                await stream.WriteAsync(_response, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
