using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// One server message, serialized once as the contract's envelope
/// <c>{"type", "timestamp", "session_id", "data"}</c> and shared by every connection it goes to.
/// </summary>
internal sealed class HubMessage
{
    public const string ChatStream = "chat_stream";
    public const string ToolProgress = "tool_progress";
    public const string SystemStatus = "system_status";
    public const string Error = "error";
    public const string Pong = "pong";

    public HubMessage(string type, ReadOnlyMemory<byte> utf8)
    {
        Type = type;
        Utf8 = utf8;
    }

    /// <summary>The message type (for subscriptions).</summary>
    public string Type { get; }

    /// <summary>The whole envelope as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>An envelope whose <c>data</c> is <paramref name="rawData"/>, a JSON object passed on byte for byte.</summary>
    public static HubMessage FromRaw(string type, string sessionId, ReadOnlySpan<byte> rawData, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(rawData.Length + 128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteHead(json, type, sessionId, now);
            json.WritePropertyName("data");
            json.WriteRawValue(rawData, skipInputValidation: true);
            json.WriteEndObject();
        }

        return new HubMessage(type, buffer.WrittenMemory);
    }

    /// <summary>An envelope whose <c>data</c> object <paramref name="data"/> writes (its members only).</summary>
    public static HubMessage Create<TState>(string type, string sessionId, DateTimeOffset now, TState state, Action<Utf8JsonWriter, TState> data)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteHead(json, type, sessionId, now);
            json.WriteStartObject("data");
            data(json, state);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return new HubMessage(type, buffer.WrittenMemory);
    }

    /// <summary>An <c>error</c> message.</summary>
    public static HubMessage CreateError(string sessionId, string code, string message, DateTimeOffset now) =>
        Create(Error, sessionId, now, (code, message), static (json, s) =>
        {
            json.WriteString("error_code", s.code);
            json.WriteString("message", s.message);
        });

    /// <summary>The contract's timestamp: ISO 8601 UTC with milliseconds.</summary>
    public static string Timestamp(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteHead(Utf8JsonWriter json, string type, string sessionId, DateTimeOffset now)
    {
        json.WriteStartObject();
        json.WriteString("type", type);
        json.WriteString("timestamp", Timestamp(now));
        json.WriteString("session_id", sessionId);
    }
}
