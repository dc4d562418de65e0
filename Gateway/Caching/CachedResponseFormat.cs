using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The binary form of a <see cref="CachedResponse"/> in the shared (Redis) tier: a marker byte and a version byte,
/// then the entry's fields (length-prefixed UTF-8 strings, little-endian integers, times as UTC ticks), the body last.
/// Reading never throws: a value that is cut short, of another version, or not one of ours is null (a miss), and so
/// is one whose header names or values could not be sent as they are (control characters).
/// </summary>
internal static class CachedResponseFormat
{
    public const byte Marker = 0xCA;

    public const byte Version = 1;

    private const byte HasIdentity = 1;
    private const byte NoStale = 2;
    private const byte Validate = 4;
    private const byte HasStaleWhileRevalidate = 8;
    private const byte HasStaleIfError = 16;
    private const byte HasETag = 32;
    private const byte HasLastModified = 64;

    /// <summary>Most headers, values of one header and selecting names an entry may have when read back.</summary>
    private const int MaxCount = 1024;

    public static byte[] Write(CachedResponse entry)
    {
        var size = 64 + Utf8(entry.Path) + Utf8(entry.Query) + Utf8(entry.Identity) + Utf8(entry.ETag) + entry.Body.Length;
        foreach (var (name, values) in entry.Headers)
        {
            size += 10 + Utf8(name);
            foreach (var value in values)
            {
                size += 5 + Utf8(value);
            }
        }

        for (var i = 0; i < entry.SelectingNames.Length; i++)
        {
            size += 10 + Utf8(entry.SelectingNames[i]) + Utf8(entry.SelectingValues[i]);
        }

        var writer = new Writer(new byte[size]);
        writer.Byte(Marker);
        writer.Byte(Version);
        var flags = (byte)((entry.Identity is not null ? HasIdentity : 0) | (entry.NoStaleReuse ? NoStale : 0) | (entry.AlwaysValidate ? Validate : 0)
            | (entry.StaleWhileRevalidate is not null ? HasStaleWhileRevalidate : 0) | (entry.StaleIfError is not null ? HasStaleIfError : 0)
            | (entry.ETag is not null ? HasETag : 0) | (entry.LastModified is not null ? HasLastModified : 0));
        writer.Byte(flags);
        writer.Int((ushort)entry.Status);
        writer.Long(entry.ResponseTime.UtcTicks);
        writer.Long(entry.InitialAge.Ticks);
        writer.Long(entry.FreshnessLifetime.Ticks);
        writer.Long(entry.StaleWhileRevalidate?.Ticks ?? 0);
        writer.Long(entry.StaleIfError?.Ticks ?? 0);
        writer.Long(entry.LastModified?.UtcTicks ?? 0);
        writer.Text(entry.Path);
        writer.Text(entry.Query);
        writer.Text(entry.Identity ?? "");
        writer.Text(entry.ETag ?? "");
        writer.Int(entry.SelectingNames.Length);
        for (var i = 0; i < entry.SelectingNames.Length; i++)
        {
            writer.Text(entry.SelectingNames[i]);
            writer.Text(entry.SelectingValues[i]);
        }

        writer.Int(entry.Headers.Length);
        foreach (var (name, values) in entry.Headers)
        {
            writer.Text(name);
            writer.Int(values.Count);
            foreach (var value in values)
            {
                writer.Text(value ?? "");
            }
        }

        writer.Int(entry.Body.Length);
        writer.Bytes(entry.Body);
        return writer.ToArray();
    }

    /// <summary>The entry in <paramref name="data"/>, as an entry of <paramref name="route"/>; null when it is not a valid value of this version.</summary>
    public static CachedResponse? Read(ReadOnlySpan<byte> data, string route)
    {
        var reader = new Reader(data);
        if (!reader.Byte(out var marker) || marker != Marker || !reader.Byte(out var version) || version != Version || !reader.Byte(out var flags)
            || !reader.Int(out var status) || status is < 100 or > 599
            || !reader.Long(out var responseTime) || !reader.Long(out var initialAge) || !reader.Long(out var lifetime)
            || !reader.Long(out var staleWhileRevalidate) || !reader.Long(out var staleIfError) || !reader.Long(out var lastModified)
            || !Ticks(responseTime) || !Ticks(lastModified) || initialAge < 0 || lifetime < 0 || staleWhileRevalidate < 0 || staleIfError < 0
            || !reader.Text(out var path) || !reader.Text(out var query) || !reader.Text(out var identity) || !reader.Text(out var etag)
            || !reader.Count(out var selecting) || !path.StartsWith('/'))
        {
            return null;
        }

        var names = selecting == 0 ? [] : new string[selecting];
        var values = selecting == 0 ? [] : new string[selecting];
        for (var i = 0; i < selecting; i++)
        {
            if (!reader.Text(out names[i]) || !reader.Text(out values[i]) || !IsToken(names[i]) || !IsFieldValue(values[i]))
            {
                return null;
            }
        }

        if (!reader.Count(out var headerCount))
        {
            return null;
        }

        var headers = new KeyValuePair<string, StringValues>[headerCount];
        var headerBytes = 0;
        for (var i = 0; i < headerCount; i++)
        {
            if (!reader.Text(out var name) || !IsToken(name) || !reader.Count(out var valueCount) || valueCount == 0)
            {
                return null;
            }

            var fieldValues = new string[valueCount];
            for (var j = 0; j < valueCount; j++)
            {
                if (!reader.Text(out fieldValues[j]) || !IsFieldValue(fieldValues[j]))
                {
                    return null;
                }
            }

            var value = valueCount == 1 ? new StringValues(fieldValues[0]) : new StringValues(fieldValues);
            headers[i] = new(name, value);
            headerBytes += name.Length + value.ToString().Length + 4;
        }

        if (!reader.Int(out var bodyLength) || bodyLength < 0 || !reader.Bytes(bodyLength, out var body) || !reader.AtEnd)
        {
            return null;
        }

        return new CachedResponse
        {
            Route = route,
            Path = path,
            Query = query,
            Identity = (flags & HasIdentity) != 0 ? identity : null,
            Status = status,
            Headers = headers,
            Body = body,
            ResponseTime = new DateTimeOffset(responseTime, TimeSpan.Zero),
            InitialAge = TimeSpan.FromTicks(initialAge),
            FreshnessLifetime = TimeSpan.FromTicks(lifetime),
            NoStaleReuse = (flags & NoStale) != 0,
            AlwaysValidate = (flags & Validate) != 0,
            StaleWhileRevalidate = (flags & HasStaleWhileRevalidate) != 0 ? TimeSpan.FromTicks(staleWhileRevalidate) : null,
            StaleIfError = (flags & HasStaleIfError) != 0 ? TimeSpan.FromTicks(staleIfError) : null,
            ETag = (flags & HasETag) != 0 ? etag : null,
            LastModified = (flags & HasLastModified) != 0 ? new DateTimeOffset(lastModified, TimeSpan.Zero) : null,
            SelectingNames = names,
            SelectingValues = values,
            HeaderBytes = headerBytes,
        };
    }

    private static int Utf8(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    private static bool Ticks(long ticks) => ticks >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks;

    private static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c <= ' ' || c >= 0x7F || c == ':')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFieldValue(string value)
    {
        foreach (var c in value)
        {
            if ((c < ' ' && c != '\t') || c == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private ref struct Writer(byte[] buffer)
    {
        private byte[] _buffer = buffer;
        private int _position;

        public void Byte(byte value)
        {
            Ensure(1);
            _buffer[_position++] = value;
        }

        public void Int(int value)
        {
            Ensure(4);
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_position), value);
            _position += 4;
        }

        public void Long(long value)
        {
            Ensure(8);
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_position), value);
            _position += 8;
        }

        public void Text(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            Int(length);
            Ensure(length);
            _position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            Ensure(value.Length);
            value.CopyTo(_buffer.AsSpan(_position));
            _position += value.Length;
        }

        public readonly byte[] ToArray() => _position == _buffer.Length ? _buffer : _buffer.AsSpan(0, _position).ToArray();

        private void Ensure(int count)
        {
            if (_position + count > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _position + count));
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly bool AtEnd => _data.IsEmpty;

        public bool Byte(out byte value)
        {
            if (_data.IsEmpty)
            {
                value = 0;
                return false;
            }

            value = _data[0];
            _data = _data[1..];
            return true;
        }

        public bool Int(out int value)
        {
            if (!BinaryPrimitives.TryReadInt32LittleEndian(_data, out value))
            {
                return false;
            }

            _data = _data[4..];
            return true;
        }

        public bool Count(out int value) => Int(out value) && value >= 0 && value <= MaxCount;

        public bool Long(out long value)
        {
            if (!BinaryPrimitives.TryReadInt64LittleEndian(_data, out value))
            {
                return false;
            }

            _data = _data[8..];
            return true;
        }

        public bool Text(out string value)
        {
            value = "";
            if (!Int(out var length) || length < 0 || length > _data.Length)
            {
                return false;
            }

            try
            {
                value = StrictUtf8.GetString(_data[..length]);
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

            _data = _data[length..];
            return true;
        }

        public bool Bytes(int length, out byte[] value)
        {
            if (length > _data.Length)
            {
                value = [];
                return false;
            }

            value = _data[..length].ToArray();
            _data = _data[length..];
            return true;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
