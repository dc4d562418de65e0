using System.Net;
using System.Net.Sockets;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>One keep-alive HTTP/1.1 connection of the load generator, on a raw socket.</summary>
internal sealed class LoadConnection : IDisposable
{
    /// <summary>Requests larger than this are sent concurrently with reading the response (an echo would otherwise deadlock).</summary>
    private const int SendFirstLimit = 64 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private ResponseParser _parser;
    private int _start;
    private int _end;

    private LoadConnection(Socket socket) => _socket = socket;

    /// <summary>The last response said <c>Connection: close</c>: open a new connection for the next request.</summary>
    public bool MustClose => _parser.ConnectionClose;

    public static async Task<LoadConnection> OpenAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new LoadConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one pre-encoded request and reads (and discards) the whole response; returns its status code.</summary>
    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        _parser.Reset();
        if (request.Length <= SendFirstLimit)
        {
            await SendAllAsync(request, cancellationToken);
            return await ReceiveResponseAsync(cancellationToken);
        }

        var send = SendAllAsync(request, cancellationToken).AsTask();
        var status = await ReceiveResponseAsync(cancellationToken);
        await send;
        return status;
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        while (!request.IsEmpty)
        {
            var sent = await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
            request = request[sent..];
        }
    }

    private async ValueTask<int> ReceiveResponseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start < _end)
            {
                var status = _parser.Parse(_buffer.AsSpan(_start, _end - _start), out var consumed);
                _start += consumed;
                if (status == ParseStatus.Complete)
                {
                    return _parser.StatusCode;
                }

                if (status == ParseStatus.Invalid)
                {
                    throw new InvalidDataException("Malformed or unframed HTTP response.");
                }
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new InvalidDataException("Response headers larger than the receive buffer.");
            }

            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection before the response was complete.");
            }

            _end += read;
        }
    }

    public void Dispose() => _socket.Dispose();
}
