using Polly;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// The attempts of one replayable request (an idempotent method without a streamed body) on a service with several
/// instances, run inside the service's Polly pipeline (total timeout, retries with back-off and jitter). Each retry
/// goes to an instance not tried yet, and only while the retry budget allows it.
/// </summary>
internal sealed class UpstreamAttempts
{
    private static readonly ResiliencePropertyKey<UpstreamAttempts> Key = new("PyAirtable.Gateway.Attempts");

    private readonly HttpForwarder _forwarder;
    private readonly HttpContext _context;
    private readonly GatewayRoute _route;
    private readonly UpstreamService _service;
    private readonly ForwardedContent? _content;
    private readonly long _started;
    private UpstreamInstance _last;
    private UpstreamInstance? _current;
    private ulong _tried;
    private int _attempts;

    private UpstreamAttempts(HttpForwarder forwarder, HttpContext context, GatewayRoute route, UpstreamService service, ForwardedContent? content, UpstreamInstance first, long started)
    {
        _forwarder = forwarder;
        _context = context;
        _route = route;
        _service = service;
        _content = content;
        _last = first;
        _started = started;
    }

    /// <summary>
    /// Called after the first attempt (made outside Polly, so a request that succeeds pays nothing for retries) has
    /// failed: when another instance is left and the budget allows, the remaining attempts run inside the service's
    /// pipeline, whose total timeout counts from the start of the request. Otherwise the first outcome stands.
    /// </summary>
    public static async ValueTask<SendOutcome> RetryAsync(
        HttpForwarder forwarder, ResiliencePipeline<HttpResponseMessage> pipeline, HttpContext context, GatewayRoute route,
        UpstreamService service, ForwardedContent? content, SendOutcome first, long started)
    {
        var tried = 1UL << first.Instance.Index;
        if (!IsRetryable(first.Response, first.Failure) || context.RequestAborted.IsCancellationRequested
            || !service.HasUntried(tried) || !(service.Budget?.TryWithdraw() ?? true))
        {
            return first;
        }

        if (first.Response is { } failed)
        {
            failed.Dispose();
            first.Instance.Release();
        }

        var attempts = new UpstreamAttempts(forwarder, context, route, service, content, first.Instance, started) { _tried = tried, _attempts = 1 };
        var resilience = ResilienceContextPool.Shared.Get(context.RequestAborted);
        resilience.Properties.Set(Key, attempts);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(static (ctx, self) => self.AttemptAsync(ctx.CancellationToken), resilience, attempts);
            var retries = attempts._attempts - 1;
            return outcome switch
            {
                { Exception: { } failure } => new SendOutcome(null, attempts._last, failure, retries),
                { Result: var response } => new SendOutcome(response, attempts._current!, null, retries),
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilience);
        }
    }

    /// <summary>What is left of the total timeout, counted from the start of the request.</summary>
    public static TimeSpan Remaining(ResilienceContext context, TimeSpan total)
    {
        if (!context.Properties.TryGetValue(Key, out var self))
        {
            return total;
        }

        var left = total - System.Diagnostics.Stopwatch.GetElapsedTime(self._started);
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Retry a failure (connection, timeout, open circuit, 500/502/503/504) when another instance is left and the budget allows.</summary>
    public static bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (!context.Properties.TryGetValue(Key, out var self) || self._context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        return outcome is { Result: var response, Exception: var exception } && IsRetryable(response, exception) && self._service.HasUntried(self._tried) && (self._service.Budget?.TryWithdraw() ?? true);
    }

    /// <summary>Worth another instance: a connection failure, a timeout, an open circuit, or 500/502/503/504.</summary>
    private static bool IsRetryable(HttpResponseMessage? response, Exception? exception) => exception switch
    {
        null => response is { StatusCode: System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.GatewayTimeout },
        OperationCanceledException => false,
        _ => !UpstreamFailures.IsClientFault(exception),
    };

    /// <summary>A failed answer that is retried is dropped, and its instance's lease returned.</summary>
    public static void OnRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (outcome is { Result: { } response } && context.Properties.TryGetValue(Key, out var self))
        {
            response.Dispose();
            self._current?.Release();
            self._current = null;
        }
    }

    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(CancellationToken cancellationToken)
    {
        var instance = _service.Select(_tried);
        if (instance is null)
        {
            return Outcome.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "No instance is left to try."));
        }

        var url = UpstreamPath.TryBuild(_context, _route, instance.BaseUrl)!;
        _attempts++;
        _tried |= 1UL << instance.Index;
        _last = instance;
        instance.Acquire();
        try
        {
            var response = await _forwarder.SendAsync(_context, _route, _service, instance, url, _content, cancellationToken);
            _current = instance;
            return Outcome.FromResult(response);
        }
        catch (Exception exception)
        {
            instance.Release();
            _forwarder.NoteFailure(_service, instance, exception, _context);
            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }
}
