using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Validation of the chat and execute-tool bodies: a JSON content type and exactly one JSON object.
/// The body is held in the request pipe's own buffers (bounded by Kestrel's body limit), never copied.
/// </summary>
internal static class JsonObjectBody
{
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
            return reader.Read() ? "The request body holds more than one JSON value." : null;
        }
        catch (JsonException)
        {
            return "The request body is not valid JSON.";
        }
    }
}
