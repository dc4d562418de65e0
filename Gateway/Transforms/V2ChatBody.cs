using System.Buffers;
using System.Text.Json;

namespace PyAirtable.Gateway.Transforms;

/// <summary>
/// The v2 chat body (CONTRACT-2 "The v2 chat body"): the web frontend's <c>{"messages": [...], ...}</c> becomes the
/// orchestrator's <c>{"message": "...", ...}</c>. <c>message</c> is the raw JSON string token of the <c>content</c> of
/// the last element whose <c>role</c> is <c>"user"</c>; then every other top-level member of the client's object
/// except <c>messages</c> (and a client's own <c>message</c>, which the computed one replaces) follows in the client's
/// order, name and value copied byte for byte from the held body. Tokens are found with <see cref="Utf8JsonReader"/>;
/// nothing is decoded and re-encoded, so numbers such as <c>1e400</c>, escapes and nesting survive exactly.
/// </summary>
internal static class V2ChatBody
{
    public const string EmptyMessages = "Empty messages array - at least one message is required";
    public const string NoUserMessage = "No user messages found in messages array";
    public const string EmptyContent = "User message content is empty";

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    /// <summary>The most bytes the transformed body can take for a body of <paramref name="length"/> bytes (it never grows).</summary>
    public static int MaxOutputLength(long length) => checked((int)length + 16);

    /// <summary>
    /// Transforms <paramref name="body"/>, which must be one JSON object, into <paramref name="output"/> (at least
    /// <see cref="MaxOutputLength"/> bytes). Null on success; otherwise the 400 problem's detail and nothing usable written.
    /// </summary>
    public static string? TryTransform(ReadOnlySequence<byte> body, Span<byte> output, out int written)
    {
        written = 0;
        var chosen = FindMessage(body, out var problem);
        if (problem is not null)
        {
            return problem;
        }

        var position = 0;
        Write(output, ref position, "{\"message\":"u8);
        Copy(body, chosen, output, ref position);

        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read(); // the object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = RawToken(ref reader);
            var skip = reader.ValueTextEquals("messages"u8) || reader.ValueTextEquals("message"u8);
            reader.Read();
            var value = RawValue(ref reader);
            if (skip)
            {
                continue;
            }

            output[position++] = (byte)',';
            Copy(body, name, output, ref position);
            output[position++] = (byte)':';
            Copy(body, value, output, ref position);
        }

        output[position++] = (byte)'}';
        written = position;
        return null;
    }

    /// <summary>The raw string token (quotes included) of the chosen message's content, or the problem.</summary>
    private static (long Start, long Length) FindMessage(ReadOnlySequence<byte> body, out string? problem)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read();
        var outcome = new Scan(Problem: EmptyMessages);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessages = reader.ValueTextEquals("messages"u8);
            reader.Read();
            if (isMessages)
            {
                outcome = ScanMessages(ref reader); // the last "messages" member counts, as JSON parsers read it
            }
            else
            {
                reader.Skip();
            }
        }

        problem = outcome.Problem;
        return outcome.Content;
    }

    private static Scan ScanMessages(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return new Scan(Problem: EmptyMessages);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return new Scan(Problem: "The field 'messages' must be an array of message objects.");
        }

        var index = -1;
        Scan? chosen = null;
        string? elementProblem = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            index++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                elementProblem ??= $"The field 'messages[{index}]' must be a message object.";
                continue;
            }

            var isUser = false;
            var content = new Scan(Problem: EmptyContent); // missing
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    isUser = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("user"u8);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    content = reader.TokenType switch
                    {
                        JsonTokenType.Null => new Scan(Problem: EmptyContent),
                        JsonTokenType.String when RawLength(ref reader) == 0 => new Scan(Problem: EmptyContent),
                        JsonTokenType.String => new Scan(Content: RawValue(ref reader)),
                        _ => new Scan(Problem: $"The field 'messages[{index}].content' must be a string."),
                    };
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (isUser)
            {
                chosen = content;
            }
        }

        if (elementProblem is not null)
        {
            return new Scan(Problem: elementProblem);
        }

        if (index < 0)
        {
            return new Scan(Problem: EmptyMessages);
        }

        return chosen ?? new Scan(Problem: NoUserMessage);
    }

    /// <summary>The raw bytes of the token just read: a property name or string with its quotes, a number or literal, or a whole object or array (the reader is left at its end).</summary>
    private static (long Start, long Length) RawValue(ref Utf8JsonReader reader)
    {
        var start = reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
            return (start, reader.BytesConsumed - start);
        }

        return RawToken(ref reader);
    }

    private static (long Start, long Length) RawToken(ref Utf8JsonReader reader)
    {
        var quoted = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName;
        return (reader.TokenStartIndex, RawLength(ref reader) + (quoted ? 2 : 0));
    }

    private static long RawLength(ref Utf8JsonReader reader) => reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;

    private static void Copy(ReadOnlySequence<byte> body, (long Start, long Length) range, Span<byte> output, ref int position)
    {
        body.Slice(range.Start, range.Length).CopyTo(output[position..]);
        position += (int)range.Length;
    }

    private static void Write(Span<byte> output, ref int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output[position..]);
        position += bytes.Length;
    }

    private readonly record struct Scan((long Start, long Length) Content = default, string? Problem = null);
}
