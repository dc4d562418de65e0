using System.Buffers.Text;
using System.Text;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// Minimal incremental HTTP/1.1 response framer for the load generator: status code,
/// Content-Length and chunked bodies (skipped, not kept), <c>Connection: close</c>. Headers must
/// fit in the caller's buffer; body bytes are consumed as they come.
/// </summary>
internal struct ResponseParser
{
    private const int MaxLineLength = 8 * 1024;

    private State _state;
    private long _remaining;

    private enum State
    {
        Headers,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
    }

    /// <summary>Status code of the current response (valid once headers are parsed).</summary>
    public int StatusCode { get; private set; }

    /// <summary>The server announced it closes the connection after this response.</summary>
    public bool ConnectionClose { get; private set; }

    public void Reset()
    {
        _state = State.Headers;
        _remaining = 0;
        StatusCode = 0;
        ConnectionClose = false;
    }

    public ParseStatus Parse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Headers:
                {
                    var end = rest.IndexOf("\r\n\r\n"u8);
                    if (end < 0)
                    {
                        return ParseStatus.NeedMore;
                    }

                    if (!ParseHeaders(rest[..(end + 2)]))
                    {
                        return ParseStatus.Invalid;
                    }

                    consumed += end + 4;
                    if (StatusCode is >= 100 and < 200)
                    {
                        // Interim response: the real one follows.
                        Reset();
                    }

                    break;
                }

                case State.FixedBody:
                case State.ChunkData:
                {
                    var take = (int)Math.Min(_remaining, rest.Length);
                    consumed += take;
                    _remaining -= take;
                    if (_remaining > 0)
                    {
                        return ParseStatus.NeedMore;
                    }

                    _state = _state == State.FixedBody ? State.Done : State.ChunkDataEnd;
                    break;
                }

                case State.ChunkDataEnd:
                    if (rest.Length < 2)
                    {
                        return ParseStatus.NeedMore;
                    }

                    if (rest[0] != '\r' || rest[1] != '\n')
                    {
                        return ParseStatus.Invalid;
                    }

                    consumed += 2;
                    _state = State.ChunkSize;
                    break;

                case State.ChunkSize:
                {
                    var lineEnd = rest.IndexOf("\r\n"u8);
                    if (lineEnd < 0)
                    {
                        return rest.Length > MaxLineLength ? ParseStatus.Invalid : ParseStatus.NeedMore;
                    }

                    var line = rest[..lineEnd];
                    var semicolon = line.IndexOf((byte)';');
                    if (semicolon >= 0)
                    {
                        line = line[..semicolon];
                    }

                    if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long size, out var used, 'x') || used == 0 || size < 0)
                    {
                        return ParseStatus.Invalid;
                    }

                    consumed += lineEnd + 2;
                    _remaining = size;
                    _state = size == 0 ? State.Trailers : State.ChunkData;
                    break;
                }

                case State.Trailers:
                {
                    var lineEnd = rest.IndexOf("\r\n"u8);
                    if (lineEnd < 0)
                    {
                        return rest.Length > MaxLineLength ? ParseStatus.Invalid : ParseStatus.NeedMore;
                    }

                    consumed += lineEnd + 2;
                    if (lineEnd == 0)
                    {
                        _state = State.Done;
                    }

                    break;
                }

                case State.Done:
                    return ParseStatus.Complete;
            }
        }
    }

    /// <summary>Parses the status line and the headers that frame the body; <paramref name="head"/> ends with CRLF.</summary>
    private bool ParseHeaders(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != ' '
            || (statusLine.Length > 12 && statusLine[12] != ' ')
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var digits) || digits != 3 || status < 100)
        {
            return false;
        }

        StatusCode = status;
        long? contentLength = null;
        var chunked = false;
        head = head[(lineEnd + 2)..];
        while (!head.IsEmpty)
        {
            lineEnd = head.IndexOf("\r\n"u8);
            var line = head[..lineEnd];
            head = head[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return false;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0)
                {
                    return false;
                }

                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                chunked = ContainsIgnoreCase(value, "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                ConnectionClose |= ContainsIgnoreCase(value, "close"u8);
            }
        }

        if (status is (>= 100 and < 200) or 204 or 304)
        {
            _state = State.Done;
        }
        else if (chunked)
        {
            _state = State.ChunkSize;
        }
        else if (contentLength is { } length)
        {
            _remaining = length;
            _state = length == 0 ? State.Done : State.FixedBody;
        }
        else
        {
            // A body delimited by connection close: not something a keep-alive benchmark can use.
            return false;
        }

        return true;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        for (var i = 0; i + token.Length <= value.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(value.Slice(i, token.Length), token))
            {
                return true;
            }
        }

        return false;
    }
}
