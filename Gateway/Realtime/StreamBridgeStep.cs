using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly.CircuitBreaker;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// One endpoint's streaming bridge. A body asking for it (<c>"stream": true</c> on chat, <c>"stream_progress": true</c>
/// on a tool, with a usable <c>session_id</c>) is sent to the streaming upstream through the forwarder's own send (same
/// instance choice, circuit, timeouts and headers); each JSON object of the answer (NDJSON or SSE) is published to the
/// session, unchanged, the moment its line is complete; the HTTP answer comes when the stream ends. Any other body goes
/// on down the pipeline untouched. The client's abort cancels the upstream call.
/// </summary>
internal sealed partial class StreamBridgeStep : RouteStep
{
    /// <summary>Longest line or event accepted from the upstream stream.</summary>
    private const int MaxEventBytes = 1024 * 1024;

    private const int ReadSize = 16 * 1024;

    private readonly GatewayRoute _route;
    private readonly Kind _kind;
    private readonly RealtimeHub _hub;
    private readonly HttpForwarder _forwarder;
    private readonly UpstreamService _service;
    private readonly ILogger _logger;

    public StreamBridgeStep(RouteStep next, GatewayRoute route, Kind kind, RealtimeHub hub, HttpForwarder forwarder, UpstreamService service, ILogger logger)
        : base(next)
    {
        _route = route;
        _kind = kind;
        _hub = hub;
        _forwarder = forwarder;
        _service = service;
        _logger = logger;
    }

    public enum Kind
    {
        Chat,
        Tool,
    }

    public override string Name => _kind == Kind.Chat ? "stream-chat" : "stream-tool-progress";

    private string UpstreamPath => _kind == Kind.Chat ? "/chat/stream" : "/tools/execute";

    private string MessageType => _kind == Kind.Chat ? HubMessage.ChatStream : HubMessage.ToolProgress;

    public override Task InvokeAsync(HttpContext context, ForwardedContent? body)
    {
        if (body is not ValidatedBodyContent held || !TryReadRequest(held.Body, _kind, out var sessionId, out var toolName))
        {
            return Next!.InvokeAsync(context, body);
        }

        return BridgeAsync(context, held, sessionId, toolName);
    }

    /// <summary>True when <paramref name="body"/> asks for streaming and names a usable session.</summary>
    internal static bool TryReadRequest(ReadOnlySequence<byte> body, Kind kind, out string sessionId, out string? toolName)
    {
        sessionId = "";
        toolName = null;
        var flag = kind == Kind.Chat ? "stream"u8 : "stream_progress"u8;
        var streaming = false;
        string? session = null;
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(flag))
                {
                    reader.Read();
                    streaming = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("session_id"u8))
                {
                    reader.Read();
                    session = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("tool_name"u8))
                {
                    reader.Read();
                    toolName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (!streaming || !HubEndpoint.IsValidSessionId(session))
        {
            return false;
        }

        sessionId = session!;
        return true;
    }

    private async Task BridgeAsync(HttpContext context, ValidatedBodyContent body, string sessionId, string? toolName)
    {
        var aborted = context.RequestAborted;
        var instance = _service.Select(0)!;
        var url = instance.BaseUrl + UpstreamPath;
        using var lease = _hub.BeginStream(sessionId);
        instance.Acquire();
        HttpResponseMessage upstream;
        try
        {
            upstream = await _forwarder.SendAsync(context, _route, _service, instance, url, body, aborted);
        }
        catch (Exception ex)
        {
            instance.Release();
            body.Dispose();
            _forwarder.NoteFailure(_service, instance, ex, context);
            await WriteFailureAsync(context, ex);
            return;
        }

        try
        {
            if (!upstream.IsSuccessStatusCode)
            {
                await PassThroughAsync(context, upstream);
                return;
            }

            var sink = new BridgeSink(_hub, sessionId, MessageType, _hub.Time, toolName);
            using var parser = new JsonStreamParser(MaxEventBytes);
            var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
            try
            {
                var stream = await upstream.Content.ReadAsStreamAsync(aborted);
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize), aborted)) > 0)
                {
                    parser.Feed(buffer.AsSpan(0, read), sink);
                }

                parser.Complete(sink);
            }
            catch (Exception ex) when (aborted.IsCancellationRequested)
            {
                Log.ClientAborted(_logger, _route.Template, sessionId, ex.GetType().Name);
                return;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidDataException)
            {
                Log.StreamFailed(_logger, _service.Name, _route.Template, sessionId, ex.Message);
                await ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, "Bad gateway",
                    $"The {_service.Name} service's stream broke off or was not a stream of JSON objects.");
                return;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Log.Streamed(_logger, _route.Template, sessionId, parser.Objects);
            await WriteAnswerAsync(context, sink, sessionId);
        }
        finally
        {
            upstream.Dispose();
            instance.Release();
            body.Dispose();
        }
    }

    private async Task WriteAnswerAsync(HttpContext context, BridgeSink sink, string sessionId)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        GatewayResponseHeaders.Apply(response);
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            if (_kind == Kind.Chat)
            {
                json.WriteString("response", sink.Deltas.ToString());
                json.WriteString("session_id", sessionId);
                json.WriteBoolean("streaming", true);
            }
            else
            {
                json.WritePropertyName("result");
                if (sink.Result is { } result)
                {
                    json.WriteRawValue(result, skipInputValidation: true);
                }
                else
                {
                    json.WriteNullValue();
                }

                json.WriteString("session_id", sessionId);
                if (sink.ToolName is { } name)
                {
                    json.WriteString("tool_name", name);
                }
                else
                {
                    json.WriteNull("tool_name");
                }
            }

            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static async Task PassThroughAsync(HttpContext context, HttpResponseMessage upstream)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        if (upstream.Content.Headers.ContentType is MediaTypeHeaderValue type)
        {
            response.ContentType = type.ToString();
        }

        GatewayResponseHeaders.Apply(response);
        await upstream.Content.CopyToAsync(response.Body, context.RequestAborted);
    }

    private Task WriteFailureAsync(HttpContext context, Exception ex)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            Log.ClientAborted(_logger, _route.Template, "", ex.GetType().Name);
            return Task.CompletedTask;
        }

        Log.StreamFailed(_logger, _service.Name, _route.Template, "", ex.GetBaseException().Message);
        return ex switch
        {
            BrokenCircuitException open => ProblemResponse.WriteRetryAfterAsync(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                $"The {_service.Name} service is failing; its circuit is open and it is not being called.", open.RetryAfter ?? TimeSpan.FromSeconds(1)),
            UpstreamTimeoutException => ProblemResponse.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Gateway timeout",
                $"The {_service.Name} service sent no response in time."),
            _ => ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, "Bad gateway",
                $"The {_service.Name} service could not be reached."),
        };
    }

    /// <summary>Publishes each object and keeps what the HTTP answer needs: the deltas joined, the last result, the tool's name.</summary>
    private sealed class BridgeSink(RealtimeHub hub, string sessionId, string type, TimeProvider time, string? toolName) : IJsonObjectSink
    {
        public StringBuilder Deltas { get; } = new();

        public byte[]? Result { get; private set; }

        public string? ToolName { get; private set; } = toolName;

        public void OnObject(ReadOnlySpan<byte> json)
        {
            hub.Publish(sessionId, HubMessage.FromRaw(type, sessionId, json, time.GetUtcNow()));
            var reader = new Utf8JsonReader(json);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        Deltas.Append(reader.GetString());
                    }
                }
                else if (reader.ValueTextEquals("result"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        Result = json[start..(int)reader.BytesConsumed].ToArray();
                    }
                }
                else if (reader.ValueTextEquals("tool_name"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        ToolName ??= reader.GetString();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9510, LogLevel.Debug, "Streamed {Route} for session {SessionId}: {Objects} messages")]
        public static partial void Streamed(ILogger logger, string route, string sessionId, int objects);

        [LoggerMessage(9511, LogLevel.Warning, "{Service} stream failed on {Route} for session {SessionId}: {Error}")]
        public static partial void StreamFailed(ILogger logger, string service, string route, string sessionId, string error);

        [LoggerMessage(9512, LogLevel.Debug, "Client went away during the stream on {Route} for session {SessionId} ({Reason})")]
        public static partial void ClientAborted(ILogger logger, string route, string sessionId, string reason);
    }
}
