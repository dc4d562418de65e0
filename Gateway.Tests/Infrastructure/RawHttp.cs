using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>A response read from the wire, with its head parsed and its body de-chunked.</summary>
internal sealed class RawResponse
{
    public required int Status { get; init; }

    public required IReadOnlyList<(string Name, string Value)> Headers { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>True when a chunked body ended with its terminating zero-length chunk.</summary>
    public bool ChunkedComplete { get; init; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string[] Values(string name) =>
        [.. Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    public string? Header(string name)
    {
        var values = Values(name);
        return values.Length == 0 ? null : string.Join(", ", values);
    }

    public bool HasHeader(string name) => Values(name).Length > 0;

    /// <summary>Parses one HTTP/1.1 response (read to end of connection).</summary>
    public static RawResponse Parse(byte[] raw)
    {
        var headEnd = IndexOf(raw, "\r\n\r\n"u8, 0);
        if (headEnd < 0)
        {
            throw new InvalidDataException("No complete response head: " + Encoding.Latin1.GetString(raw));
        }

        var head = Encoding.Latin1.GetString(raw, 0, headEnd).Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new List<(string, string)>();
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var rest = raw.AsSpan(headEnd + 4).ToArray();
        var chunked = headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            && h.Item2.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        if (!chunked)
        {
            return new RawResponse { Status = status, Headers = headers, Body = rest };
        }

        var body = new MemoryStream();
        var position = 0;
        var complete = false;
        while (position < rest.Length)
        {
            var lineEnd = IndexOf(rest, "\r\n"u8, position);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(rest, position, lineEnd - position).Split(';')[0];
            var size = Convert.ToInt32(sizeText, 16);
            position = lineEnd + 2;
            if (size == 0)
            {
                complete = IndexOf(rest, "\r\n"u8, position) >= 0;
                break;
            }

            var available = Math.Min(size, rest.Length - position);
            body.Write(rest, position, available);
            position += size + 2;
        }

        return new RawResponse { Status = status, Headers = headers, Body = body.ToArray(), ChunkedComplete = complete };
    }

    internal static int IndexOf(byte[] data, ReadOnlySpan<byte> marker, int start)
    {
        var index = data.AsSpan(start).IndexOf(marker);
        return index < 0 ? -1 : index + start;
    }
}

/// <summary>A TCP connection that writes exact bytes and reads the raw answer.</summary>
internal sealed class RawConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _received = new();

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawConnection> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port).WithTimeout();
        return new RawConnection(client);
    }

    /// <summary>Sends one request with <c>Connection: close</c> and returns the parsed answer.</summary>
    public static async Task<RawResponse> SendAsync(int port, string head, byte[]? body = null)
    {
        using var connection = await ConnectAsync(port);
        await connection.WriteAsync(head, body);
        return RawResponse.Parse(await connection.ReadToEndAsync());
    }

    public async Task WriteAsync(string head, byte[]? body = null)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(head)).AsTask().WithTimeout();
        if (body is not null)
        {
            await _stream.WriteAsync(body).AsTask().WithTimeout();
        }
    }

    public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().WithTimeout();

    /// <summary>Reads until the bytes received so far contain <paramref name="marker"/>.</summary>
    public async Task<byte[]> ReadUntilAsync(string marker)
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        var buffer = new byte[16 * 1024];
        while (RawResponse.IndexOf(_received.ToArray(), needle, 0) < 0)
        {
            var read = await _stream.ReadAsync(buffer).AsTask().WithTimeout();
            if (read == 0)
            {
                throw new IOException($"Connection closed before '{marker}' arrived; got: {Encoding.UTF8.GetString(_received.ToArray())}");
            }

            _received.Write(buffer, 0, read);
        }

        return _received.ToArray();
    }

    /// <summary>Reads one response framed by Content-Length or chunked encoding, leaving the connection open.</summary>
    public async Task<RawResponse> ReadResponseAsync()
    {
        var head = await ReadUntilAsync("\r\n\r\n");
        var headEnd = RawResponse.IndexOf(head, "\r\n\r\n"u8, 0) + 4;
        var parsed = RawResponse.Parse(head[..headEnd]);
        var length = parsed.Header("Content-Length");
        if (length is not null)
        {
            var total = headEnd + int.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
            var buffer = new byte[16 * 1024];
            while (_received.Length < total)
            {
                var read = await _stream.ReadAsync(buffer).AsTask().WithTimeout();
                if (read == 0)
                {
                    break;
                }

                _received.Write(buffer, 0, read);
            }
        }
        else if (parsed.Header("Transfer-Encoding") is not null)
        {
            await ReadUntilAsync("0\r\n\r\n");
        }

        return RawResponse.Parse(_received.ToArray());
    }

    /// <summary>Reads until the peer closes (or resets) the connection; returns everything received.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer).AsTask().WithTimeout();
                if (read == 0)
                {
                    break;
                }

                _received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the data arrived still leaves what was received.
        }

        return _received.ToArray();
    }

    /// <summary>Resets the connection (RST) so the server sees the client vanish at once.</summary>
    public void Abort()
    {
        _client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
        _received.Dispose();
    }
}
