using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// <c>/ws</c>: the hub's handshake and one connection's life.
/// <list type="number">
/// <item>Refused before the upgrade: not a WebSocket request (400), shutting down (503), an <c>Origin</c> outside
/// <c>CORS_ORIGINS</c> (403; no <c>Origin</c> is allowed), no usable <c>session_id</c> (400). All problem+json.</item>
/// <item>Credentials on the handshake (<c>X-API-Key</c>, <c>Authorization: Bearer</c>) authenticate at once; otherwise
/// the first message must be <c>{"type":"auth",...}</c> within <see cref="RealtimeOptions.AuthTimeoutSeconds"/>.
/// Failures: an <c>error</c> message, then close 1008 with the contract's reason.</item>
/// <item>Authenticated: the session's connection count is checked, one <c>system_status</c> goes out, then the
/// session's offline queue, then live messages.</item>
/// <item>Client messages are read whole (bounded by <see cref="RealtimeOptions.MaxMessageBytes"/>, else 1009), limited
/// per minute, and answered; a connection without any client frame for the idle timeout is closed.</item>
/// </list>
/// </summary>
internal sealed partial class HubEndpoint
{
    public const string Path = "/ws";

    /// <summary>How long after a close was asked for the socket may take to finish before it is aborted.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The buffer an idle connection holds for the next message; longer ones borrow a pooled buffer.</summary>
    private const int SmallBufferBytes = 1024;

    private static readonly SearchValues<char> SessionIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@");

    private readonly RealtimeHub _hub;
    private readonly RealtimeStats _stats;
    private readonly RealtimeOptions _options;
    private readonly ApiKeyAuthenticator _keys;
    private readonly BearerTokenAuthenticator _bearer;
    private readonly ICorsPolicyProvider _cors;
    private readonly GatewayLifecycle _lifecycle;
    private readonly TimeProvider _time;
    private readonly ILogger<HubEndpoint> _logger;

    public HubEndpoint(
        RealtimeHub hub,
        RealtimeStats stats,
        IOptions<RealtimeOptions> options,
        ApiKeyAuthenticator keys,
        BearerTokenAuthenticator bearer,
        ICorsPolicyProvider cors,
        GatewayLifecycle lifecycle,
        TimeProvider time,
        ILogger<HubEndpoint> logger)
    {
        _hub = hub;
        _stats = stats;
        _options = options.Value;
        _keys = keys;
        _bearer = bearer;
        _cors = cors;
        _lifecycle = lifecycle;
        _time = time;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        // 1. Refusals before the upgrade.
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "WebSocket upgrade required",
                "/ws is a WebSocket endpoint: open it with a WebSocket client (RFC 6455, or RFC 8441 over HTTP/2).");
            return;
        }

        if (_lifecycle.IsDraining)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Shutting down",
                "The gateway is shutting down; connect again to another replica.");
            return;
        }

        var origin = context.Request.Headers[HeaderNames.Origin];
        if (origin.Count > 0 && !await IsAllowedOriginAsync(context, origin.ToString()))
        {
            Log.OriginRefused(_logger, context.TraceIdentifier);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status403Forbidden, "Origin not allowed",
                "The Origin of this WebSocket handshake is not one of the gateway's allowed origins (CORS_ORIGINS).");
            return;
        }

        var sessionId = context.Request.Query["session_id"].ToString();
        if (!IsValidSessionId(sessionId))
        {
            Log.NoSession(_logger, context.TraceIdentifier);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Session id required",
                "Give the session in the query: /ws?session_id=<id> (1 to 128 characters: letters, digits, '-', '_', '.', ':', '@').");
            return;
        }

        // 2. Credentials on the handshake count, when given.
        var handshake = await AuthenticateHandshakeAsync(context);

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = false });
        using var connection = new HubConnection(socket, sessionId, _options.SendQueueLength, _stats);
        _stats.ConnectionOpened();
        _hub.Track(connection);
        var writer = connection.RunWriterAsync(context.RequestAborted);
        try
        {
            await RunAsync(context, connection, handshake);
        }
        finally
        {
            _hub.Sessions.Remove(connection);
            _hub.Untrack(connection);
            connection.RequestClose(WebSocketCloseStatus.NormalClosure, "", flush: false);
            try
            {
                await writer.WaitAsync(CloseTimeout);
            }
            catch (TimeoutException)
            {
                socket.Abort();
            }

            _stats.ConnectionClosed();
            Log.Closed(_logger, sessionId, connection.CloseStatus, context.TraceIdentifier);
        }
    }

    private async Task RunAsync(HttpContext context, HubConnection connection, HandshakeAuth handshake)
    {
        using var receiving = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var onClose = connection.Closing.Register(static state => ((CancellationTokenSource)state!).CancelAfter(CloseTimeout), receiving);
        using var authTimer = _time.CreateTimer(static state =>
        {
            var (self, c) = ((HubEndpoint, HubConnection))state!;
            if (c.ClientId is null)
            {
                self.Refuse(c, "auth_timeout", "Authentication timeout");
            }
        }, (this, connection), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var idle = TimeSpan.FromSeconds(_options.IdleTimeoutSeconds);
        using var idleTimer = _time.CreateTimer(static state =>
        {
            var c = (HubConnection)state!;
            c.RequestClose(WebSocketCloseStatus.NormalClosure, "Idle timeout");
        }, connection, idle, Timeout.InfiniteTimeSpan);

        if (handshake.Failed)
        {
            Refuse(connection, "auth_failed", "Authentication failed");
        }
        else if (handshake.Identity is { } identity)
        {
            await OnAuthenticatedAsync(connection, identity, receiving.Token);
        }
        else
        {
            authTimer.Change(TimeSpan.FromSeconds(_options.AuthTimeoutSeconds), Timeout.InfiniteTimeSpan);
        }

        // An idle connection holds only a small buffer; a longer message borrows a pooled one up to the limit.
        var small = new byte[Math.Min(SmallBufferBytes, _options.MaxMessageBytes)];
        var buffer = small;
        var windowStart = _time.GetTimestamp();
        var inWindow = 0;
        try
        {
            while (true)
            {
                // 4. One whole message, bounded.
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length && length < _options.MaxMessageBytes)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(_options.MaxMessageBytes);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ReturnLarge(ref buffer, small);
                        buffer = larger;
                    }

                    if (length == _options.MaxMessageBytes)
                    {
                        _stats.Drop("message_too_big");
                        connection.TryEnqueue(HubMessage.CreateError(connection.SessionId, "message_too_large",
                            $"A message may be at most {_options.MaxMessageBytes} bytes.", _time.GetUtcNow()), filter: false);
                        connection.RequestClose(WebSocketCloseStatus.MessageTooBig, "Message too big");
                        await DrainUntilClosedAsync(connection, buffer, receiving.Token);
                        return;
                    }

                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, _options.MaxMessageBytes) - length), receiving.Token);
                    idleTimer.Change(idle, Timeout.InfiniteTimeSpan);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        var status = connection.Socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                        connection.RequestClose(status == WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status, "", flush: false);
                        return;
                    }

                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (connection.IsClosing)
                {
                    ReturnLarge(ref buffer, small);
                    continue; // after a close was asked for, messages are read (to see the client's close) and ignored
                }

                _stats.MessageReceived();

                // The per-connection limit: a fixed one-minute window.
                if (_time.GetElapsedTime(windowStart) >= TimeSpan.FromMinutes(1))
                {
                    windowStart = _time.GetTimestamp();
                    inWindow = 0;
                }

                if (++inWindow > _options.MessagesPerMinute)
                {
                    ReturnLarge(ref buffer, small);
                    _stats.RateLimited();
                    connection.TryEnqueue(HubMessage.CreateError(connection.SessionId, "rate_limited",
                        $"At most {_options.MessagesPerMinute} messages per minute; this one was ignored.", _time.GetUtcNow()), filter: false);
                    continue;
                }

                var parsed = ClientMessage.Parse(buffer.AsSpan(0, length));
                ReturnLarge(ref buffer, small);
                await HandleMessageAsync(context, connection, parsed, receiving.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The client went away, or did not finish its close in time.
            Log.Aborted(_logger, connection.SessionId, context.TraceIdentifier);
        }
        finally
        {
            ReturnLarge(ref buffer, small);
        }
    }

    private static void ReturnLarge(ref byte[] buffer, byte[] small)
    {
        if (!ReferenceEquals(buffer, small))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = small;
        }
    }

    private async Task HandleMessageAsync(HttpContext context, HubConnection connection, ClientMessage message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (connection.ClientId is null)
        {
            if (message.Kind != ClientMessageKind.Auth)
            {
                Refuse(connection, "auth_required", "Authentication required");
                return;
            }

            var identity = await AuthenticateMessageAsync(context, message);
            if (identity is null)
            {
                Refuse(connection, "auth_failed", "Authentication failed");
                return;
            }

            await OnAuthenticatedAsync(connection, identity, cancellationToken);
            return;
        }

        switch (message.Kind)
        {
            case ClientMessageKind.Ping:
                connection.TryEnqueue(HubMessage.Create(HubMessage.Pong, connection.SessionId, now, 0, static (_, _) => { }), filter: false);
                break;
            case ClientMessageKind.Subscribe:
                connection.Subscribe(message.Types!);
                break;
            case ClientMessageKind.Unsubscribe:
                connection.Unsubscribe(message.Types!);
                break;
            case ClientMessageKind.Auth:
                break; // already authenticated: nothing to do
            case ClientMessageKind.InvalidJson:
                connection.TryEnqueue(HubMessage.CreateError(connection.SessionId, "invalid_json", "The message is not valid JSON.", now), filter: false);
                break;
            default:
                connection.TryEnqueue(HubMessage.CreateError(connection.SessionId, "unknown_message_type",
                    "Known client messages: auth, ping, subscribe, unsubscribe.", now), filter: false);
                break;
        }
    }

    private async Task OnAuthenticatedAsync(HubConnection connection, ClientIdentity identity, CancellationToken cancellationToken)
    {
        if (_hub.Sessions.Of(connection.SessionId).Length >= _options.MaxConnectionsPerSession)
        {
            RefuseLimit(connection);
            return;
        }

        connection.ClientId = identity.ClientId;
        Log.Authenticated(_logger, connection.SessionId, identity.ClientId);
        if (_hub.StatusSnapshot is { } snapshot)
        {
            connection.TryEnqueue(snapshot(connection.SessionId), filter: false);
        }

        // The offline queue goes out before live messages: taken, then the connection registered, then anything that
        // arrived in between.
        await SendQueuedAsync(connection, cancellationToken);
        if (!_hub.Sessions.TryAdd(connection))
        {
            RefuseLimit(connection);
            return;
        }

        await SendQueuedAsync(connection, cancellationToken);
    }

    private async Task SendQueuedAsync(HubConnection connection, CancellationToken cancellationToken)
    {
        var queued = await _hub.TakeQueuedAsync(connection.SessionId, cancellationToken);
        foreach (var message in queued)
        {
            await connection.EnqueueWaitingAsync(message, cancellationToken);
        }
    }

    private void RefuseLimit(HubConnection connection)
    {
        _stats.Drop("connection_limit");
        connection.ClientId = null;
        connection.TryEnqueue(HubMessage.CreateError(connection.SessionId, "connection_limit_exceeded",
            $"A session may hold at most {_options.MaxConnectionsPerSession} connections.", _time.GetUtcNow()), filter: false);
        connection.RequestClose(WebSocketCloseStatus.PolicyViolation, "Connection limit exceeded");
    }

    private void Refuse(HubConnection connection, string code, string reason)
    {
        if (connection.IsClosing)
        {
            return;
        }

        _stats.AuthenticationFailed();
        Log.AuthRefused(_logger, connection.SessionId, reason);
        connection.TryEnqueue(HubMessage.CreateError(connection.SessionId, code, reason, _time.GetUtcNow()), filter: false);
        connection.RequestClose(WebSocketCloseStatus.PolicyViolation, reason);
    }

    private async Task<ClientIdentity?> AuthenticateMessageAsync(HttpContext context, ClientMessage message)
    {
        if (!string.IsNullOrEmpty(message.ApiKey))
        {
            return _keys.Authenticate(message.ApiKey.AsSpan());
        }

        if (!string.IsNullOrEmpty(message.Token) && _bearer.Enabled && message.Token.Length <= 16 * 1024)
        {
            // The JWT handler reads the token where it always does: the request's Authorization header.
            context.Request.Headers.Authorization = "Bearer " + message.Token;
            return await BearerTokenAuthenticator.AuthenticateAsync(context);
        }

        return null;
    }

    private async Task<HandshakeAuth> AuthenticateHandshakeAsync(HttpContext context)
    {
        var request = context.Request;
        var key = request.Headers[GatewayHeaders.ApiKey];
        if (key.Count > 0)
        {
            var identity = key.Count == 1 ? _keys.Authenticate(key[0].AsSpan()) : null;
            return new HandshakeAuth(identity, identity is null);
        }

        if (_bearer.Enabled && BearerTokenAuthenticator.HasBearer(request))
        {
            var identity = await BearerTokenAuthenticator.AuthenticateAsync(context);
            return new HandshakeAuth(identity, identity is null);
        }

        return default;
    }

    private async Task<bool> IsAllowedOriginAsync(HttpContext context, string origin)
    {
        var policy = await _cors.GetPolicyAsync(context, null);
        return policy is not null && (policy.AllowAnyOrigin || policy.IsOriginAllowed(origin));
    }

    private static async Task DrainUntilClosedAsync(HubConnection connection, byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await connection.Socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
        }
    }

    internal static bool IsValidSessionId(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 && !value.AsSpan().ContainsAnyExcept(SessionIdChars);

    private readonly record struct HandshakeAuth(ClientIdentity? Identity, bool Failed);

    private static partial class Log
    {
        [LoggerMessage(9501, LogLevel.Debug, "Hub handshake refused: Origin not allowed (request {RequestId})")]
        public static partial void OriginRefused(ILogger logger, string requestId);

        [LoggerMessage(9502, LogLevel.Debug, "Hub handshake refused: no usable session_id (request {RequestId})")]
        public static partial void NoSession(ILogger logger, string requestId);

        [LoggerMessage(9503, LogLevel.Debug, "Hub connection for session {SessionId} refused: {Reason}")]
        public static partial void AuthRefused(ILogger logger, string sessionId, string reason);

        [LoggerMessage(9504, LogLevel.Debug, "Hub connection for session {SessionId} authenticated as {ClientId}")]
        public static partial void Authenticated(ILogger logger, string sessionId, string clientId);

        [LoggerMessage(9505, LogLevel.Debug, "Hub connection for session {SessionId} went away (request {RequestId})")]
        public static partial void Aborted(ILogger logger, string sessionId, string requestId);

        [LoggerMessage(9506, LogLevel.Debug, "Hub connection for session {SessionId} closed with {CloseStatus} (request {RequestId})")]
        public static partial void Closed(ILogger logger, string sessionId, WebSocketCloseStatus closeStatus, string requestId);
    }
}
