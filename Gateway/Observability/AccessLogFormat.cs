using System.Buffers;
using System.Globalization;
using System.Text;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// One access-log line as UTF-8, ending in a newline: the text form, on one line,
/// <c>info: PyAirtable.Gateway.AccessLog[5001] GET /api/airtable/{**path} 200 in 1.234 ms; client default, …</c>, or with
/// <c>LOG_FORMAT=json</c> one JSON object in the console's JSON shape (<c>EventId</c>, <c>LogLevel</c>, <c>Category</c>,
/// <c>Message</c>, and the fields under <c>State</c>). Values from the request cannot forge or break a line: control
/// characters (CR and LF among them), quotes, backslashes and Unicode line separators are escaped, as <c>\xHH</c> or
/// <c>\uHHHH</c> in text and as JSON escapes in JSON; strings longer than <see cref="MaxFieldLength"/> are cut.
/// </summary>
internal static class AccessLogFormat
{
    /// <summary>The event id the access log has always had.</summary>
    public const int EventId = 5001;

    /// <summary>The most characters of one string field that a line carries.</summary>
    public const int MaxFieldLength = 512;

    /// <summary>Bytes a line needs besides its string fields: literals, field names and twelve numbers.</summary>
    private const int Overhead = 1024;

    /// <summary>The most bytes one character can become: <c>\uHHHH</c>.</summary>
    private const int MaxBytesPerChar = 6;

    private const string HexDigits = "0123456789ABCDEF";

    /// <summary>Characters written as escapes: C0 and C1 controls, DEL, quote, backslash, U+2028/U+2029, surrogates (a valid pair is kept).</summary>
    private static readonly SearchValues<char> Escaped = SearchValues.Create(EscapedCharacters());

    private static ReadOnlySpan<byte> TextPrefix => "info: PyAirtable.Gateway.AccessLog[5001] "u8;

    private static ReadOnlySpan<byte> JsonPrefix =>
        "{\"EventId\":5001,\"LogLevel\":\"Information\",\"Category\":\"PyAirtable.Gateway.AccessLog\",\"Message\":\""u8;

    /// <summary>The most bytes <see cref="Format"/> writes for <paramref name="entry"/>, in either form.</summary>
    public static int MaxLength(in AccessLogEntry entry)
    {
        var characters = Cut(entry.RequestId) + Cut(entry.Method) + Cut(entry.Route) + Cut(entry.ClientId)
            + Cut(entry.Service) + Cut(entry.UpstreamInstance);

        // JSON writes every string twice: in the message and under State.
        return Overhead + (2 * MaxBytesPerChar * characters);
    }

    /// <summary>Writes the line for <paramref name="entry"/>; <paramref name="destination"/> holds at least <see cref="MaxLength"/> bytes.</summary>
    public static int Format(Span<byte> destination, in AccessLogEntry entry, bool json)
    {
        var line = new Utf8Line(destination, json);
        if (!json)
        {
            line.Literal(TextPrefix);
            WriteMessage(ref line, entry);
            line.Literal("\n"u8);
            return line.Length;
        }

        line.Literal(JsonPrefix);
        WriteMessage(ref line, entry);
        line.Literal("\",\"State\":{\"RequestId\":\""u8);
        line.String(entry.RequestId);
        line.Literal("\",\"Method\":\""u8);
        line.String(entry.Method);
        line.Literal("\",\"Route\":\""u8);
        line.String(entry.Route);
        line.Literal("\",\"StatusCode\":"u8);
        line.Integer(entry.StatusCode);
        line.Literal(",\"DurationMs\":"u8);
        line.Milliseconds(entry.DurationMicroseconds);
        line.Literal(",\"ClientId\":\""u8);
        line.String(entry.ClientId);
        line.Literal("\",\"Service\":\""u8);
        line.String(entry.Service);
        line.Literal("\",\"UpstreamInstance\":\""u8);
        line.String(entry.UpstreamInstance);
        line.Literal("\",\"UpstreamMs\":"u8);
        line.Milliseconds(entry.UpstreamMicroseconds);
        line.Literal(",\"BytesIn\":"u8);
        line.Integer(entry.BytesIn);
        line.Literal(",\"BytesOut\":"u8);
        line.Integer(entry.BytesOut);
        line.Literal(",\"RetryCount\":"u8);
        line.Integer(entry.RetryCount);
        line.Literal("}}\n"u8);
        return line.Length;
    }

    /// <summary>The message, as the access log's template has always read.</summary>
    private static void WriteMessage(ref Utf8Line line, in AccessLogEntry entry)
    {
        line.String(entry.Method);
        line.Literal(" "u8);
        line.String(entry.Route);
        line.Literal(" "u8);
        line.Integer(entry.StatusCode);
        line.Literal(" in "u8);
        line.Milliseconds(entry.DurationMicroseconds);
        line.Literal(" ms; client "u8);
        line.String(entry.ClientId);
        line.Literal(", service "u8);
        line.String(entry.Service);
        line.Literal(" at "u8);
        line.String(entry.UpstreamInstance);
        line.Literal(" ("u8);
        line.Milliseconds(entry.UpstreamMicroseconds);
        line.Literal(" ms), "u8);
        line.Integer(entry.BytesIn);
        line.Literal(" bytes in, "u8);
        line.Integer(entry.BytesOut);
        line.Literal(" bytes out, "u8);
        line.Integer(entry.RetryCount);
        line.Literal(" retries (request "u8);
        line.String(entry.RequestId);
        line.Literal(")"u8);
    }

    private static int Cut(string value) => Math.Min(value.Length, MaxFieldLength);

    private static string EscapedCharacters()
    {
        var characters = new StringBuilder();
        for (var c = '\0'; c < ' '; c++)
        {
            characters.Append(c);
        }

        for (var c = '\u007F'; c <= '\u009F'; c++)
        {
            characters.Append(c);
        }

        characters.Append("\"\\\u2028\u2029");
        for (var c = '\uD800'; c <= '\uDFFF'; c++)
        {
            characters.Append(c);
        }

        return characters.ToString();
    }

    /// <summary>A line being written into a buffer known to be large enough.</summary>
    private ref struct Utf8Line(Span<byte> buffer, bool json)
    {
        private readonly Span<byte> _buffer = buffer;
        private readonly bool _json = json;

        public int Length { get; private set; }

        public void Literal(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer[Length..]);
            Length += bytes.Length;
        }

        public void Integer(long value)
        {
            value.TryFormat(_buffer[Length..], out var written, default, CultureInfo.InvariantCulture);
            Length += written;
        }

        /// <summary><paramref name="microseconds"/> as milliseconds with three decimals ("12.345").</summary>
        public void Milliseconds(long microseconds)
        {
            var whole = Math.DivRem(Math.Max(0, microseconds), 1000, out var fraction);
            Integer(whole);
            var digits = _buffer.Slice(Length, 4);
            digits[0] = (byte)'.';
            digits[1] = (byte)('0' + (fraction / 100));
            digits[2] = (byte)('0' + (fraction / 10 % 10));
            digits[3] = (byte)('0' + (fraction % 10));
            Length += 4;
        }

        /// <summary>A string value, cut at <see cref="MaxFieldLength"/>, escaped for the line's form.</summary>
        public void String(string value)
        {
            var text = value.AsSpan(0, Cut(value));
            var clean = text.IndexOfAny(Escaped);
            if (clean < 0)
            {
                Length += Encoding.UTF8.GetBytes(text, _buffer[Length..]);
                return;
            }

            Length += Encoding.UTF8.GetBytes(text[..clean], _buffer[Length..]);
            for (var i = clean; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    Length += Encoding.UTF8.GetBytes(text.Slice(i, 2), _buffer[Length..]);
                    i++;
                }
                else if (Escaped.Contains(c))
                {
                    Escape(c);
                }
                else
                {
                    Length += Encoding.UTF8.GetBytes(text.Slice(i, 1), _buffer[Length..]);
                }
            }
        }

        private void Escape(char c)
        {
            if (_json)
            {
                switch (c)
                {
                    case '"':
                        Literal("\\\""u8);
                        return;
                    case '\\':
                        Literal("\\\\"u8);
                        return;
                    case '\n':
                        Literal("\\n"u8);
                        return;
                    case '\r':
                        Literal("\\r"u8);
                        return;
                    case '\t':
                        Literal("\\t"u8);
                        return;
                }
            }
            else if (c <= '\u00FF')
            {
                Literal("\\x"u8);
                Hex(c, 2);
                return;
            }

            Literal("\\u"u8);
            Hex(c, 4);
        }

        private void Hex(char c, int digits)
        {
            for (var shift = (digits - 1) * 4; shift >= 0; shift -= 4)
            {
                _buffer[Length++] = (byte)HexDigits[(c >> shift) & 0xF];
            }
        }
    }
}
