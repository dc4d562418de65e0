using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Validation of the chat and execute-tool bodies: a JSON content type and exactly one JSON object.
/// The body is held in the request pipe's own buffers (bounded by Kestrel's body limit), never copied.
/// </summary>
internal static class JsonObjectBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True for <c>application/json</c> and <c>application/*+json</c>, with or without parameters.</summary>
    public static bool IsJsonContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = mediaType[..semicolon];
        }

        mediaType = mediaType.Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads the whole body; the caller must <c>AdvanceTo(body.End)</c> once it has been forwarded.</summary>
    public static async ValueTask<ReadOnlySequence<byte>> ReadWholeAsync(PipeReader reader, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > limit)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw new RequestBodyTooLargeException();
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return result.Buffer;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Null when <paramref name="body"/> is one JSON object; otherwise what is wrong with it.</summary>
    public static string? Check(ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty)
        {
            return "The request body is empty; a JSON object is required.";
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "The request body must be a JSON object.";
            }

            reader.Skip();
            if (reader.Read())
            {
                return "The request body holds more than one JSON value.";
            }
        }
        catch (JsonException)
        {
            return "The request body is not valid JSON.";
        }

        // JSON text is UTF-8 (RFC 8259 §8.1); the reader does not check the bytes inside strings, and the body is
        // forwarded as it is.
        return IsValidUtf8(body) ? null : "The request body is not valid UTF-8.";
    }

    private static bool IsValidUtf8(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            return Utf8.IsValid(body.FirstSpan);
        }

        // A character may straddle two segments: the decoder keeps the partial one between calls (only a conversion
        // does; counting leaves its state alone). The characters themselves are thrown away.
        var decoder = StrictUtf8.GetDecoder();
        Span<char> scratch = stackalloc char[512];
        try
        {
            foreach (var segment in body)
            {
                var bytes = segment.Span;
                while (!bytes.IsEmpty)
                {
                    decoder.Convert(bytes, scratch, flush: false, out var used, out _, out _);
                    bytes = bytes[used..];
                }
            }

            decoder.Convert(ReadOnlySpan<byte>.Empty, scratch, flush: true, out _, out _, out _);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
