using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Forwards one client request to its service and streams the answer back. Shared by every proxied
/// route; read it top to bottom as numbered steps. Nothing here buffers a body: the request body is
/// pumped from Kestrel's pipe into the upstream connection, the response body from the upstream
/// connection into Kestrel's pipe, flushed after every read so server-sent events stream.
/// </summary>
internal sealed partial class HttpForwarder
{
    private static readonly UriCreationOptions RawUri = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private static readonly FrozenSet<string> RequestSkip =
        HeaderRules.HopByHop.Concat(HeaderRules.RequestOwnedByGateway).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> ResponseSkip =
        HeaderRules.HopByHop.Concat(HeaderRules.ResponseOwnedByGateway).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private const int LargeRead = 64 * 1024;

    private static readonly Action<object?> CancelSource = static source => ((CancellationTokenSource)source!).Cancel();

    private readonly HeadersTimerPool _headersTimers = new();

    private readonly UpstreamServices _services;
    private readonly ILogger<HttpForwarder> _logger;
    private readonly long _maxBodyBytes;
    private readonly string? _serviceKey;
    private readonly FrozenSet<string>? _stripCookies;
    private readonly TimeSpan _breakDuration;
    private readonly TimeSpan _passiveCooldown;

    public HttpForwarder(
        UpstreamServices services,
        IOptions<ForwardingOptions> forwarding,
        IOptions<AuthOptions> auth,
        IOptions<CircuitBreakerOptions> breaker,
        IOptions<LoadBalancingOptions> balancing,
        ILogger<HttpForwarder> logger)
    {
        _services = services;
        _logger = logger;
        _maxBodyBytes = forwarding.Value.MaxRequestBodyBytes;
        _serviceKey = auth.Value.ApiKey;
        _stripCookies = forwarding.Value.StripCookies.Length == 0 ? null : forwarding.Value.StripCookies.ToFrozenSet(StringComparer.Ordinal);
        _breakDuration = TimeSpan.FromSeconds(breaker.Value.BreakSeconds);
        _passiveCooldown = TimeSpan.FromSeconds(balancing.Value.PassiveCooldownSeconds);
    }

    /// <summary>
    /// Forwards the request on <paramref name="route"/>. <paramref name="heldBody"/> is a body an earlier step of the
    /// route's pipeline has read whole (and owns); without one the client's body is streamed as it arrives.
    /// </summary>
    public async Task ForwardAsync(HttpContext context, GatewayRoute route, ForwardedContent? heldBody)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var entry = route.Entry;
        var service = entry.Canary is { } canary ? canary.Choose(context, entry.Service) : entry.Service;

        // 1. The service (a canary split may pick another), the instance and the upstream URL: its base, then the
        //    route's upstream path with the client's raw values, and the raw query, byte for byte.
        var instance = service.Select(0)!;
        var url = UpstreamPath.TryBuild(context, route, instance.BaseUrl);
        if (url is null)
        {
            Log.BadTarget(_logger, route.Template, context.TraceIdentifier);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request target",
                "The request target must be an absolute path without '.' or '..' segments (plain or percent-encoded).");
            return;
        }

        // 2. The body: a body held by a step of the route, or the client's streamed; over the limit it is refused before anything is sent.
        var content = heldBody;
        if (content is null)
        {
            if (request.ContentLength > _maxBodyBytes)
            {
                await BodyProblems.WriteTooLargeAsync(context, _maxBodyBytes);
                return;
            }

            if (request.ContentLength == 0)
            {
                content = new ValidatedBodyContent(ReadOnlySequence<byte>.Empty);
            }
            else if (context.Features.GetRequiredFeature<IHttpRequestBodyDetectionFeature>().CanHaveBody)
            {
                content = new StreamingRequestContent(request.BodyReader, request.ContentLength, _maxBodyBytes);
            }
        }

        try
        {
            // 3. Send, and wait for the response headers; cancellation flows from the client's abort. A replayable
            //    request (idempotent, no streamed body) to a service with several instances may be retried elsewhere.
            var telemetry = RequestTelemetry.Of(context);
            telemetry?.UpstreamStarting(context, route, service);
            SendOutcome sent;
            instance.Acquire();
            try
            {
                sent = new SendOutcome(await SendAsync(context, route, service, instance, url, content, context.RequestAborted), instance, null, 0);
            }
            catch (Exception ex)
            {
                instance.Release();
                NoteFailure(service, instance, ex, context);
                sent = new SendOutcome(null, instance, ex, 0);
            }

            if (service.Attempts is { } attempts && content is null or ValidatedBodyContent && IsIdempotent(request.Method))
            {
                service.Budget?.Deposit();
                sent = await UpstreamAttempts.RetryAsync(this, attempts, context, route, service, content, sent, started);
            }

            if (sent.Response is not { } upstream)
            {
                var outcome = Classify(sent.Failure!, context, content);
                telemetry?.UpstreamFailed(outcome, sent);
                await WriteFailureAsync(context, route, service, outcome, content?.ClientFailure ?? sent.Failure!, started);
                return;
            }

            try
            {
                telemetry?.UpstreamResponded(sent);

                // A switch of protocols is never passed on: the forwarder sends no Upgrade, so a 101 is a broken answer
                // (tunnels are the WebSocket step's, which asks for the upgrade and checks the answer).
                if (upstream.StatusCode == HttpStatusCode.SwitchingProtocols)
                {
                    Log.UnaskedSwitch(_logger, service.Name, route.Template, context.TraceIdentifier);
                    await ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, "Bad gateway",
                        $"The {service.Name} service switched protocols on a request that asked for no upgrade.");
                    return;
                }

                // 4. Status and headers, unchanged but for the hop-by-hop ones.
                var response = context.Response;
                response.StatusCode = (int)upstream.StatusCode;
                var gatewayCors = response.Headers.ContainsKey(HeaderNames.AccessControlAllowOrigin);
                var connection = upstream.Headers.NonValidated.TryGetValues(HeaderNames.Connection, out var named) ? named.ToString() : null;
                CopyResponseHeaders(upstream.Headers.NonValidated, response.Headers, connection, gatewayCors);
                var contentHeaders = upstream.Content.Headers;
                CopyResponseHeaders(contentHeaders.NonValidated, response.Headers, connection, gatewayCors, lengthAsNumber: true);
                entry.ResponseHeaders?.Apply(response.Headers);
                // Read once: every read of ContentLength takes a lock and looks the header up again.
                var upstreamLength = contentHeaders.ContentLength;
                if (upstreamLength is { } length
                    && (connection is null || !HeaderRules.IsNamedByConnection(connection, HeaderNames.ContentLength)))
                {
                    // As a number: no string to format here and to parse back in Kestrel.
                    response.ContentLength = length;
                }

                // 5. The body, as it arrives.
                await CopyResponseBodyAsync(context, route, service, upstream, upstreamLength, telemetry);
                Log.Forwarded(_logger, request.Method, route.Template, service.Name, sent.Instance.BaseUrl, response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, sent.Retries, context.TraceIdentifier);
            }
            finally
            {
                upstream.Dispose();
                sent.Instance.Release();
            }
        }
        finally
        {
            content?.Dispose();
        }
    }

    /// <summary>
    /// One attempt on one instance: its circuit breaker first (open: <see cref="BrokenCircuitException"/> without a
    /// call), then the send, with the response-headers timeout counted from the moment the whole body has been sent
    /// (a slow upload is never cut, a response body in progress never bounded). A timeout surfaces as
    /// <see cref="UpstreamTimeoutException"/>; the caller's cancellation stays an <see cref="OperationCanceledException"/>,
    /// so a client that went away is never mistaken for a slow upstream, nor counted against the instance.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(
        HttpContext context, GatewayRoute route, UpstreamService service, UpstreamInstance instance, string url, ForwardedContent? content,
        CancellationToken cancellationToken)
    {
        var breaker = instance.Breaker;
        var trial = false;
        if (breaker is not null && !breaker.TryEnter(out trial, out var retryAfter))
        {
            throw new BrokenCircuitException("The circuit is open.", retryAfter);
        }

        var timeout = route.Entry.Timeout;

        // Without a body the timer starts now and nothing can arm it later: a pooled source, which the client's abort
        // cancels through a registration that is undone before the source goes back to the pool.
        var pooled = content is null;
        var timer = pooled ? _headersTimers.Rent() : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var link = pooled ? cancellationToken.UnsafeRegister(CancelSource, timer) : default;
        try
        {
            if (pooled)
            {
                timer.CancelAfter(timeout);
            }
            else
            {
                content!.ArmWhenSent(timer, timeout);
            }

            HttpResponseMessage response;
            try
            {
                response = await service.Invoker.SendAsync(CreateMessage(context, route, url, content), timer.Token);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                breaker?.Record(ForwardVerdict.Failure, trial);
                throw new UpstreamTimeoutException();
            }
            catch (Exception exception)
            {
                breaker?.Record(UpstreamFailures.Judge(exception, cancellationToken), trial);
                throw;
            }

            breaker?.Record(UpstreamFailures.Judge(response), trial);
            return response;
        }
        finally
        {
            if (pooled)
            {
                link.Dispose();
                _headersTimers.Return(timer);
            }
            else
            {
                timer.Dispose();
            }
        }
    }

    /// <summary>The upstream request for one attempt: same method, <paramref name="url"/>, the headers that may cross.</summary>
    internal HttpRequestMessage CreateMessage(HttpContext context, GatewayRoute route, string url, HttpContent? content)
    {
        var message = new HttpRequestMessage(HttpMethod.Parse(context.Request.Method), new Uri(url, RawUri))
        {
            Content = content,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        CopyRequestHeaders(context, message, content);
        route.Entry.RequestHeaders?.Apply(message);
        RequestTelemetry.PropagateTrace(message);
        return message;
    }

    /// <summary>Passive health: an instance that could not be reached or timed out leaves the rotation for a cool-down.</summary>
    internal void NoteFailure(UpstreamService service, UpstreamInstance instance, Exception exception, HttpContext context)
    {
        if (service.HasAlternatives && !context.RequestAborted.IsCancellationRequested
            && exception is HttpRequestException or UpstreamTimeoutException && !UpstreamFailures.IsClientFault(exception))
        {
            instance.CoolDown(_passiveCooldown);
            Log.InstanceCooling(_logger, service.Name, instance.BaseUrl, _passiveCooldown.TotalSeconds);
        }
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsTrace(method);
    private async Task CopyResponseBodyAsync(
        HttpContext context, GatewayRoute route, UpstreamService service, HttpResponseMessage upstream, long? upstreamLength, RequestTelemetry? telemetry)
    {
        var aborted = context.RequestAborted;
        var writer = context.Response.BodyWriter;
        try
        {
            // A body of unknown length may be a stream: the client gets the headers now, not with the first chunk.
            if (upstreamLength is null)
            {
                await context.Response.StartAsync(aborted);
            }

            var stream = await upstream.Content.ReadAsStreamAsync(aborted);

            // Small bodies fit Kestrel's own 4 KB blocks; larger ones are read up to 64 KB at a time, so one socket
            // read and one flush move what the upstream has sent so far.
            var sizeHint = (int)Math.Clamp(upstreamLength ?? LargeRead, 0, LargeRead);
            while (true)
            {
                var memory = writer.GetMemory(sizeHint);
                int read;
                try
                {
                    read = await stream.ReadAsync(memory, aborted);
                }
                catch (Exception ex) when (!aborted.IsCancellationRequested)
                {
                    // The upstream failed mid-body: abort, so a truncated body never looks complete.
                    Log.ResponseAborted(_logger, service.Name, route.Template, context.TraceIdentifier, ex.GetBaseException().Message);
                    context.Abort();
                    return;
                }

                if (read == 0)
                {
                    return;
                }

                writer.Advance(read);
                telemetry?.BodyChunk(read);
                var flushed = await writer.FlushAsync(aborted);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    Log.ClientAborted(_logger, route.Template, context.TraceIdentifier);
                    return;
                }
            }
        }
        catch (Exception ex) when (aborted.IsCancellationRequested || ex is IOException or OperationCanceledException)
        {
            // The client went away; disposing the upstream response cancels the upstream side.
            Log.ClientAborted(_logger, route.Template, context.TraceIdentifier);
        }
    }

    private void CopyRequestHeaders(HttpContext context, HttpRequestMessage message, HttpContent? content)
    {
        var headers = context.Request.Headers;
        var connection = headers.Connection.Count == 0 ? null : headers.Connection.ToString();
        foreach (var header in headers)
        {
            var name = header.Key;
            if (RequestSkip.Contains(name) || name[0] == ':' || (connection is not null && HeaderRules.IsNamedByConnection(connection, name)))
            {
                continue;
            }

            var value = header.Value;
            if (_stripCookies is not null && string.Equals(name, HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase))
            {
                value = CookieFilter.Remove(value, _stripCookies);
                if (value.Count == 0)
                {
                    continue;
                }
            }

            if (HeaderRules.ContentHeaders.Contains(name))
            {
                if (content is not null)
                {
                    AddRequestHeader(content.Headers, name, value);
                }
            }
            else
            {
                AddRequestHeader(message.Headers, name, value);
            }
        }

        var target = message.Headers;
        target.TryAddWithoutValidation(GatewayHeaders.RequestId, context.TraceIdentifier);
        if (_serviceKey is not null)
        {
            target.TryAddWithoutValidation(GatewayHeaders.ApiKey, _serviceKey);
        }

        if (context.Features.Get<ClientIdentity>() is { } identity)
        {
            target.TryAddWithoutValidation(GatewayHeaders.ClientId, identity.ClientId);
        }

        var peer = context.Connection.RemoteIpAddress?.ToString();
        var forwardedFor = headers[GatewayHeaders.ForwardedFor];
        if (forwardedFor.Count > 0 && !HeaderRules.IsUnsafeValue(forwardedFor.ToString()))
        {
            target.TryAddWithoutValidation(GatewayHeaders.ForwardedFor, peer is null ? forwardedFor.ToString() : string.Concat(forwardedFor.ToString(), ", ", peer));
        }
        else if (peer is not null)
        {
            target.TryAddWithoutValidation(GatewayHeaders.ForwardedFor, peer);
        }

        target.TryAddWithoutValidation(GatewayHeaders.ForwardedProto, context.Request.Scheme);
        var host = context.Request.Host.Value;
        if (!string.IsNullOrEmpty(host))
        {
            target.TryAddWithoutValidation(GatewayHeaders.ForwardedHost, host);
        }
    }

    private static void AddRequestHeader(HttpHeaders target, string name, StringValues value)
    {
        if (value.Count == 1)
        {
            var single = value.ToString();
            if (!HeaderRules.IsUnsafeValue(single))
            {
                target.TryAddWithoutValidation(name, single);
            }

            return;
        }

        foreach (var item in value)
        {
            if (!HeaderRules.IsUnsafeValue(item))
            {
                target.TryAddWithoutValidation(name, item);
            }
        }
    }

    private static void CopyResponseHeaders(
        HttpHeadersNonValidated source, IHeaderDictionary target, string? connection, bool gatewayCors, bool lengthAsNumber = false)
    {
        foreach (var (name, values) in source)
        {
            if (ResponseSkip.Contains(name)
                || (lengthAsNumber && string.Equals(name, HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
                || (connection is not null && HeaderRules.IsNamedByConnection(connection, name))
                || (gatewayCors && name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (values.Count == 1)
            {
                foreach (var value in values)
                {
                    if (!HeaderRules.IsUnsafeValue(value))
                    {
                        target[name] = value;
                    }
                }

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

            target[name] = new StringValues([.. list]);
        }
    }

    /// <summary>Tells apart a client that went away or sent a broken body, an open circuit, a timeout, and an unreachable upstream.</summary>
    private static ForwardOutcome Classify(Exception ex, HttpContext context, ForwardedContent? content)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return ForwardOutcome.ClientAborted;
        }

        if (content?.ClientFailure is { } clientFailure)
        {
            return clientFailure is Microsoft.AspNetCore.Http.BadHttpRequestException or RequestBodyTooLargeException ? ForwardOutcome.ClientBodyInvalid : ForwardOutcome.ClientAborted;
        }

        return ex switch
        {
            BrokenCircuitException => ForwardOutcome.CircuitOpen,
            UpstreamTimeoutException or TimeoutRejectedException => ForwardOutcome.UpstreamTimeout,
            _ => ForwardOutcome.UpstreamUnreachable,
        };
    }

    /// <summary>The one place where a failed forward becomes a status code.</summary>
    private Task WriteFailureAsync(HttpContext context, GatewayRoute route, UpstreamService service, ForwardOutcome outcome, Exception ex, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        switch (outcome)
        {
            case ForwardOutcome.ClientAborted:
                Log.ClientAborted(_logger, route.Template, context.TraceIdentifier);
                return Task.CompletedTask;

            case ForwardOutcome.ClientBodyInvalid:
                return BodyProblems.WriteClientFailureAsync(context, ex, _maxBodyBytes, _logger);

            case ForwardOutcome.CircuitOpen:
                Log.CircuitOpen(_logger, service.Name, route.Template, context.TraceIdentifier);
                var retryAfter = (ex as BrokenCircuitException)?.RetryAfter ?? _breakDuration;
                return ProblemResponse.WriteRetryAfterAsync(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                    $"The {service.Name} service is failing; its circuit is open and it is not being called.", retryAfter);

            case ForwardOutcome.UpstreamTimeout:
                Log.UpstreamFailed(_logger, service.Name, context.Request.Method, route.Template, outcome, elapsed, context.TraceIdentifier, "no response headers in time");
                return ProblemResponse.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Gateway timeout",
                    $"The {service.Name} service sent no response in time.");

            default:
                Log.UpstreamFailed(_logger, service.Name, context.Request.Method, route.Template, outcome, elapsed, context.TraceIdentifier, ex.GetBaseException().Message);
                return ProblemResponse.WriteAsync(context, StatusCodes.Status502BadGateway, "Bad gateway",
                    $"The {service.Name} service could not be reached.");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Debug, "Forwarded {Method} {Route} to {Service} at {Instance}: {StatusCode} in {ElapsedMs:0.000} ms after {Retries} retries (request {RequestId})")]
        public static partial void Forwarded(ILogger logger, string method, string route, string service, string instance, int statusCode, double elapsedMs, int retries, string requestId);

        [LoggerMessage(1008, LogLevel.Warning, "{Service} instance {Instance} failed; out of rotation for {CooldownSeconds} s")]
        public static partial void InstanceCooling(ILogger logger, string service, string instance, double cooldownSeconds);

        [LoggerMessage(1002, LogLevel.Warning, "{Service} failed for {Method} {Route}: {Outcome} after {ElapsedMs:0.000} ms: {Error} (request {RequestId})")]
        public static partial void UpstreamFailed(ILogger logger, string service, string method, string route, ForwardOutcome outcome, double elapsedMs, string requestId, string error);

        [LoggerMessage(1003, LogLevel.Debug, "Client went away during {Route} (request {RequestId})")]
        public static partial void ClientAborted(ILogger logger, string route, string requestId);

        [LoggerMessage(1004, LogLevel.Warning, "{Service} failed mid-response on {Route}: {Error}; the client connection was aborted (request {RequestId})")]
        public static partial void ResponseAborted(ILogger logger, string service, string route, string requestId, string error);

        [LoggerMessage(1006, LogLevel.Debug, "Circuit open for {Service}; {Route} answered 503 (request {RequestId})")]
        public static partial void CircuitOpen(ILogger logger, string service, string route, string requestId);

        [LoggerMessage(1009, LogLevel.Warning, "{Service} answered 101 on {Route} to a request that asked for no upgrade; answered 502 (request {RequestId})")]
        public static partial void UnaskedSwitch(ILogger logger, string service, string route, string requestId);

        [LoggerMessage(1007, LogLevel.Debug, "Refused request target on {Route} (request {RequestId})")]
        public static partial void BadTarget(ILogger logger, string route, string requestId);
    }
}
