using System.Buffers;
using System.Text.Json;

namespace PyAirtable.Gateway.Realtime;

/// <summary>Receives each JSON object a <see cref="JsonStreamParser"/> finds.</summary>
internal interface IJsonObjectSink
{
    void OnObject(ReadOnlySpan<byte> json);
}

/// <summary>
/// Finds JSON objects in a stream fed in chunks cut anywhere: newline-delimited JSON (one object per line) and
/// server-sent events (<c>data:</c> lines joined until a blank line; comments, <c>event:</c>, <c>id:</c> and
/// <c>retry:</c> ignored; a <c>[DONE]</c> sentinel ignored) are both understood, line by line, with LF or CRLF. Each
/// object goes to the sink the moment its line (or event) is complete. A line or event over the limit, or data that
/// is not one JSON object, is <see cref="InvalidDataException"/>. Buffers are pooled.
/// </summary>
internal sealed class JsonStreamParser : IDisposable
{
    private static ReadOnlySpan<byte> Data => "data:"u8;

    private static ReadOnlySpan<byte> Done => "[DONE]"u8;

    private readonly int _maxBytes;
    private byte[] _line;
    private int _lineLength;
    private byte[] _event;
    private int _eventLength;
    private bool _hasEvent;

    public JsonStreamParser(int maxBytes)
    {
        _maxBytes = maxBytes;
        _line = ArrayPool<byte>.Shared.Rent(4096);
        _event = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>Objects seen so far.</summary>
    public int Objects { get; private set; }

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Feed(ReadOnlySpan<byte> chunk, IJsonObjectSink sink)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Append(ref _line, ref _lineLength, chunk);
                return;
            }

            ReadOnlySpan<byte> line;
            if (_lineLength == 0)
            {
                line = chunk[..newline];
            }
            else
            {
                Append(ref _line, ref _lineLength, chunk[..newline]);
                line = _line.AsSpan(0, _lineLength);
            }

            OnLine(line, sink);
            _lineLength = 0;
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>The stream ended: a last line without a newline, and an event without its blank line, count too.</summary>
    public void Complete(IJsonObjectSink sink)
    {
        if (_lineLength > 0)
        {
            OnLine(_line.AsSpan(0, _lineLength), sink);
            _lineLength = 0;
        }

        DispatchEvent(sink);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_line);
        ArrayPool<byte>.Shared.Return(_event);
    }

    private void OnLine(ReadOnlySpan<byte> line, IJsonObjectSink sink)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            DispatchEvent(sink);
            return;
        }

        if (line.StartsWith(Data))
        {
            var value = line[Data.Length..];
            if (value.Length > 0 && value[0] == (byte)' ')
            {
                value = value[1..];
            }

            if (_hasEvent)
            {
                Append(ref _event, ref _eventLength, "\n"u8);
            }

            Append(ref _event, ref _eventLength, value);
            _hasEvent = true;
            return;
        }

        if (line[0] == (byte)':' || line.StartsWith("event:"u8) || line.StartsWith("id:"u8) || line.StartsWith("retry:"u8)
            || line.SequenceEqual("event"u8) || line.SequenceEqual("data"u8))
        {
            return;
        }

        Dispatch(line, sink);
    }

    private void DispatchEvent(IJsonObjectSink sink)
    {
        if (!_hasEvent)
        {
            return;
        }

        _hasEvent = false;
        var data = _event.AsSpan(0, _eventLength);
        _eventLength = 0;
        Dispatch(data, sink);
    }

    private void Dispatch(ReadOnlySpan<byte> json, IJsonObjectSink sink)
    {
        json = json.Trim(" \t\r\n"u8);
        if (json.IsEmpty || json.SequenceEqual(Done))
        {
            return;
        }

        if (!IsObject(json))
        {
            throw new InvalidDataException("The stream holds something other than JSON objects.");
        }

        Objects++;
        sink.OnObject(json);
    }

    private static bool IsObject(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Append(ref byte[] buffer, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > _maxBytes)
        {
            throw new InvalidDataException($"A line or event of the stream is longer than {_maxBytes} bytes.");
        }

        if (length + bytes.Length > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + bytes.Length));
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }

        bytes.CopyTo(buffer.AsSpan(length));
        length += bytes.Length;
    }
}
