using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Net.Http.Headers;
using Polly.CircuitBreaker;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Tunnel;

/// <summary>
/// WebSocket pass-through (<c>Gateway:Routes:&lt;name&gt;:WebSocket</c>). A client's upgrade (HTTP/1.1
/// <c>Upgrade: websocket</c>, or RFC 8441 extended CONNECT with <c>:protocol websocket</c> over HTTP/2) goes to the
/// route's service as an HTTP/1.1 upgrade request. Only a 101 with the right <c>Sec-WebSocket-Accept</c> is tunnelled:
/// the client gets the 101 (over HTTP/2: a 200 on its stream), and bytes are copied both ways, with pooled buffers
/// borrowed only while data moves, until either side closes or nothing moves for the idle timeout; the other side is
/// then closed at once. Any other answer is passed back as an ordinary response. A request that asks for no upgrade
/// goes on down the pipeline like on any route. On routes without the policy the same factory puts the refusal step
/// (<see cref="UpgradeRefusalStep"/>) in front, so no route ever tunnels by accident.
/// </summary>
internal sealed partial class WebSocketTunnelStep : RouteStep
{
    private readonly GatewayRoute _route;
    private readonly HttpForwarder _forwarder;
    private readonly TunnelMetrics _metrics;
    private readonly TimeSpan _idleTimeout;
    private readonly int _bufferBytes;
    private readonly ILogger _logger;

    private WebSocketTunnelStep(GatewayRoute route, HttpForwarder forwarder, TunnelMetrics metrics, TunnelOptions options, ILogger logger, RouteStep next)
        : base(next)
    {
        _route = route;
        _forwarder = forwarder;
        _metrics = metrics;
        _idleTimeout = TimeSpan.FromSeconds(options.IdleTimeoutSeconds);
        _bufferBytes = options.BufferBytes;
        _logger = logger;
    }

    public override string Name => "websocket";

    public override Task InvokeAsync(HttpContext context, ForwardedContent? body)
    {
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (connect is { IsExtendedConnect: true })
        {
            return string.Equals(connect.Protocol, WebSocketHandshake.Protocol, StringComparison.OrdinalIgnoreCase)
                ? CheckAndTunnelAsync(context, connect, null)
                : UpgradeRefusalStep.RefuseAsync(context, _route, _logger, $"The extended CONNECT protocol '{connect.Protocol}' is not supported here; only websocket.");
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true })
        {
            var asked = context.Request.Headers.Upgrade.ToString();
            if (WebSocketHandshake.IsWebSocketToken(asked))
            {
                return CheckAndTunnelAsync(context, null, upgrade);
            }

            if (!WebSocketHandshake.IsH2c(asked))
            {
                return UpgradeRefusalStep.RefuseAsync(context, _route, _logger, "Only an upgrade to websocket is accepted here.");
            }
        }
        else if (WebSocketHandshake.IsWebSocketToken(context.Request.Headers.Upgrade.ToString()))
        {
            // Kestrel does not offer an upgrade for a request with a body; such a request is no handshake either.
            return UpgradeRefusalStep.RefuseAsync(context, _route, _logger, "A WebSocket handshake has no body and carries Connection: Upgrade.");
        }

        if (HttpMethods.IsConnect(context.Request.Method))
        {
            return UpgradeRefusalStep.RefuseAsync(context, _route, _logger, "CONNECT is accepted here only as an RFC 8441 WebSocket (extended CONNECT).");
        }

        // No upgrade asked for (an h2c upgrade is never performed: the request is served as HTTP/1.1).
        return Next!.InvokeAsync(context, body);
    }

    /// <summary>The client's handshake checked (RFC 6455 §4.2.1), then the upstream handshake.</summary>
    private Task CheckAndTunnelAsync(HttpContext context, IHttpExtendedConnectFeature? connect, IHttpUpgradeFeature? upgrade)
    {
        var headers = context.Request.Headers;
        if (upgrade is not null)
        {
            if (!HttpMethods.IsGet(context.Request.Method))
            {
                return UpgradeRefusalStep.RefuseAsync(context, _route, _logger, "A WebSocket handshake must be a GET.");
            }

            if (!WebSocketHandshake.IsValidKey(headers[WebSocketHandshake.KeyHeader].ToString()) || headers[WebSocketHandshake.KeyHeader].Count != 1)
            {
                return UpgradeRefusalStep.RefuseAsync(context, _route, _logger, "Sec-WebSocket-Key must be base64 of 16 bytes (RFC 6455 §4.1).");
            }
        }

        var version = headers[WebSocketHandshake.VersionHeader];
        if (version.Count == 0)
        {
            return UpgradeRefusalStep.RefuseAsync(context, _route, _logger, "Sec-WebSocket-Version is required (13).");
        }

        if (version.Count != 1 || !string.Equals(version.ToString().Trim(), WebSocketHandshake.Version, StringComparison.Ordinal))
        {
            context.Response.Headers[WebSocketHandshake.VersionHeader] = WebSocketHandshake.Version;
            Log.VersionRefused(_logger, _route.Name, context.TraceIdentifier);
            return ProblemResponse.WriteAsync(context, StatusCodes.Status426UpgradeRequired, "Upgrade required",
                "This gateway speaks WebSocket version 13 (RFC 6455); see Sec-WebSocket-Version.");
        }

        return TunnelAsync(context, connect, upgrade);
    }

    private async Task TunnelAsync(HttpContext context, IHttpExtendedConnectFeature? connect, IHttpUpgradeFeature? upgrade)
    {
        var entry = _route.Entry;
        var service = entry.Canary is { } canary ? canary.Choose(context, entry.Service) : entry.Service;
        var instance = service.Select(0)!;
        var url = UpstreamPath.TryBuild(context, _route, instance.BaseUrl);
        if (url is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request target",
                "The request target must be an absolute path without '.' or '..' segments (plain or percent-encoded).");
            return;
        }

        // 1. The upstream handshake: the forwarder's request (headers, identity, transforms, trace), as an HTTP/1.1
        //    GET with Upgrade restored; an RFC 8441 client sends no key, so the gateway makes one.
        var key = connect is null ? context.Request.Headers[WebSocketHandshake.KeyHeader].ToString() : WebSocketHandshake.NewKey();
        var message = _forwarder.CreateMessage(context, _route, url, null);
        message.Method = HttpMethod.Get;
        message.Version = HttpVersion.Version11;
        message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        message.Headers.Remove(WebSocketHandshake.KeyHeader);
        message.Headers.TryAddWithoutValidation(WebSocketHandshake.KeyHeader, key);
        message.Headers.TryAddWithoutValidation(HeaderNames.Connection, "Upgrade");
        message.Headers.TryAddWithoutValidation(HeaderNames.Upgrade, WebSocketHandshake.Protocol);

        var aborted = context.RequestAborted;
        instance.Acquire();
        try
        {
            using var upstream = await SendAsync(context, service, instance, message, aborted);
            if (upstream is null)
            {
                return;
            }

            // 2. Anything but 101 is an ordinary answer: passed back, nothing tunnelled.
            if (upstream.StatusCode != HttpStatusCode.SwitchingProtocols)
            {
                await CopyOrdinaryResponseAsync(context, upstream, aborted);
                return;
            }

            // 3. A 101 must complete the handshake the gateway asked for, or nothing is tunnelled.
            var accept = upstream.Headers.NonValidated.TryGetValues(WebSocketHandshake.AcceptHeader, out var accepts) ? accepts.ToString() : null;
            var upgraded = upstream.Headers.NonValidated.TryGetValues(HeaderNames.Upgrade, out var upgrades) ? upgrades.ToString() : null;
            if (!string.Equals(accept, WebSocketHandshake.Accept(key), StringComparison.Ordinal) || !WebSocketHandshake.IsWebSocketToken(upgraded))
            {
                Log.BadHandshake(_logger, service.Name, _route.Name, context.TraceIdentifier);
                await ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, "Bad gateway",
                    $"The {service.Name} service answered the WebSocket handshake with a wrong Sec-WebSocket-Accept or Upgrade.");
                return;
            }

            await using var upstreamStream = await upstream.Content.ReadAsStreamAsync(aborted);
            var response = context.Response;
            CopyHeaders(upstream.Headers.NonValidated, response.Headers);
            DisableBodyLimits(context);
            Stream client;
            if (connect is not null)
            {
                // RFC 8441 §5: the 101 becomes a 200 on the stream, and there is no Sec-WebSocket-Accept over HTTP/2.
                response.Headers.Remove(WebSocketHandshake.AcceptHeader);
                client = await connect.AcceptAsync();
            }
            else
            {
                response.Headers.Upgrade = WebSocketHandshake.Protocol;
                client = await upgrade!.UpgradeAsync();
            }

            await PumpAsync(context, service.Name, client, upstreamStream);
        }
        finally
        {
            instance.Release();
        }
    }

    /// <summary>Sends the handshake within the route's headers timeout, through the instance's circuit; null when the answer has been written.</summary>
    private async Task<HttpResponseMessage?> SendAsync(HttpContext context, UpstreamService service, UpstreamInstance instance, HttpRequestMessage message, CancellationToken aborted)
    {
        var breaker = instance.Breaker;
        var trial = false;
        if (breaker is not null && !breaker.TryEnter(out trial, out var retryAfter))
        {
            message.Dispose();
            await ProblemResponse.WriteRetryAfterAsync(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                $"The {service.Name} service is failing; its circuit is open and it is not being called.", retryAfter);
            return null;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timer.CancelAfter(_route.Entry.Timeout);
        try
        {
            var response = await service.Invoker.SendAsync(message, timer.Token);
            breaker?.Record(UpstreamFailures.Judge(response), trial);
            return response;
        }
        catch (Exception ex) when (aborted.IsCancellationRequested)
        {
            breaker?.Record(UpstreamFailures.Judge(ex, aborted), trial);
            Log.ClientAborted(_logger, _route.Name, context.TraceIdentifier);
            return null;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            breaker?.Record(ForwardVerdict.Failure, trial);
            Log.UpstreamFailed(_logger, service.Name, _route.Name, context.TraceIdentifier, "no response headers in time");
            await ProblemResponse.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Gateway timeout", $"The {service.Name} service sent no response in time.");
            return null;
        }
        catch (HttpRequestException ex)
        {
            breaker?.Record(UpstreamFailures.Judge(ex, aborted), trial);
            Log.UpstreamFailed(_logger, service.Name, _route.Name, context.TraceIdentifier, ex.GetBaseException().Message);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, "Bad gateway", $"The {service.Name} service could not be reached.");
            return null;
        }
        finally
        {
            message.Dispose();
        }
    }

    /// <summary>The service's answer other than 101: status, end-to-end headers and body, as the forwarder would pass it.</summary>
    private static async Task CopyOrdinaryResponseAsync(HttpContext context, HttpResponseMessage upstream, CancellationToken aborted)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        CopyHeaders(upstream.Headers.NonValidated, response.Headers);
        CopyHeaders(upstream.Content.Headers.NonValidated, response.Headers);
        response.Headers.ContentLength = upstream.Content.Headers.ContentLength;
        try
        {
            await using var body = await upstream.Content.ReadAsStreamAsync(aborted);
            await body.CopyToAsync(response.Body, aborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException)
        {
            context.Abort();
        }
    }

    private static void CopyHeaders(HttpHeadersNonValidated source, IHeaderDictionary target)
    {
        foreach (var (name, values) in source)
        {
            if (HeaderRules.HopByHop.Contains(name) || HeaderRules.ResponseOwnedByGateway.Contains(name)
                || string.Equals(name, HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var list = new List<string>(values.Count);
            foreach (var value in values)
            {
                if (!HeaderRules.IsUnsafeValue(value))
                {
                    list.Add(value);
                }
            }

            target[name] = list.Count == 1 ? list[0] : new Microsoft.Extensions.Primitives.StringValues([.. list]);
        }
    }

    /// <summary>A tunnel is not a request body: the body size limit and the minimum data rate do not apply to it (the idle timeout does).</summary>
    private static void DisableBodyLimits(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate)
        {
            responseRate.MinDataRate = null;
        }
    }

    /// <summary>Copies both directions until one ends; then the other side is closed and its copy stopped.</summary>
    private async Task PumpAsync(HttpContext context, string service, Stream client, Stream upstream)
    {
        var routeName = _route.Name;
        _metrics.Opened(routeName);
        Log.Opened(_logger, routeName, service, context.TraceIdentifier);
        using var activity = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        activity.CancelAfter(_idleTimeout);
        var toUpstream = CopyAsync(client, upstream, upstream: true, activity);
        var toClient = CopyAsync(upstream, client, upstream: false, activity);
        try
        {
            var first = await Task.WhenAny(toUpstream, toClient);
            var idle = activity.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested;
            var end = await first;
            await activity.CancelAsync();

            // The side that did not end is closed now: the service's connection is dropped, the client's is ended
            // (aborted when the tunnel did not end cleanly, so the client never mistakes it for an orderly close).
            await upstream.DisposeAsync();
            var other = await (first == toUpstream ? toClient : toUpstream);
            if (idle || end == CopyEnd.Failed || (first == toClient && end != CopyEnd.Closed))
            {
                context.Abort();
            }

            Log.Closed(_logger, routeName, idle ? "idle timeout" : first == toUpstream ? "client closed" : "service closed", end, other, context.TraceIdentifier);
        }
        finally
        {
            _metrics.Closed(routeName);
        }
    }

    private enum CopyEnd
    {
        Closed,
        Stopped,
        Failed,
    }

    private async Task<CopyEnd> CopyAsync(Stream source, Stream destination, bool upstream, CancellationTokenSource activity)
    {
        var token = activity.Token;
        try
        {
            while (true)
            {
                // A zero-byte read waits for data without holding a buffer: an idle tunnel holds none.
#pragma warning disable CA2022 // a zero-byte read returns 0 by design; it only signals that data is there
                await source.ReadAsync(Memory<byte>.Empty, token);
#pragma warning restore CA2022
                var buffer = ArrayPool<byte>.Shared.Rent(_bufferBytes);
                try
                {
                    var read = await source.ReadAsync(buffer, token);
                    if (read == 0)
                    {
                        return CopyEnd.Closed;
                    }

                    activity.CancelAfter(_idleTimeout);
                    _metrics.Bytes(_route.Name, upstream, read);
                    await destination.WriteAsync(buffer.AsMemory(0, read), token);
                    await destination.FlushAsync(token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return CopyEnd.Stopped;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            return CopyEnd.Failed;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(7801, LogLevel.Debug, "WebSocket tunnel opened on route {Route} to {Service} (request {RequestId})")]
        public static partial void Opened(ILogger logger, string route, string service, string requestId);

        [LoggerMessage(7802, LogLevel.Debug, "WebSocket tunnel on route {Route} ended: {Reason} ({First}, then {Other}) (request {RequestId})")]
        public static partial void Closed(ILogger logger, string route, string reason, CopyEnd first, CopyEnd other, string requestId);

        [LoggerMessage(7803, LogLevel.Warning, "{Service} answered the WebSocket handshake on route {Route} with a wrong Sec-WebSocket-Accept or Upgrade; nothing tunnelled (request {RequestId})")]
        public static partial void BadHandshake(ILogger logger, string service, string route, string requestId);

        [LoggerMessage(7804, LogLevel.Warning, "{Service} failed the WebSocket handshake on route {Route}: {Error} (request {RequestId})")]
        public static partial void UpstreamFailed(ILogger logger, string service, string route, string requestId, string error);

        [LoggerMessage(7805, LogLevel.Debug, "Client went away during the WebSocket handshake on route {Route} (request {RequestId})")]
        public static partial void ClientAborted(ILogger logger, string route, string requestId);

        [LoggerMessage(7806, LogLevel.Debug, "WebSocket handshake with an unsupported Sec-WebSocket-Version refused on route {Route} (request {RequestId})")]
        public static partial void VersionRefused(ILogger logger, string route, string requestId);
    }

    /// <summary>
    /// Puts the tunnel on routes with <c>WebSocket: true</c> and the refusal step on every other one. Order 150: after
    /// the version headers (100), which the 101 carries too, and before the cache (200) and body handling (300), which
    /// an upgrade must never reach.
    /// </summary>
    internal sealed class Factory : IRouteStepFactory
    {
        private readonly HttpForwarder _forwarder;
        private readonly TunnelMetrics _metrics;
        private readonly TunnelOptions _options;
        private readonly ILogger<WebSocketTunnelStep> _logger;

        public Factory(HttpForwarder forwarder, TunnelMetrics metrics, IOptions<TunnelOptions> options, ILogger<WebSocketTunnelStep> logger)
        {
            _forwarder = forwarder;
            _metrics = metrics;
            _options = options.Value;
            _logger = logger;
        }

        public int Order => 150;

        public RouteStep? Create(GatewayRoute route, RouteStep next) => route.Entry.WebSocket
            ? new WebSocketTunnelStep(route, _forwarder, _metrics, _options, _logger, next)
            : new UpgradeRefusalStep(route, _logger, next);
    }
}
