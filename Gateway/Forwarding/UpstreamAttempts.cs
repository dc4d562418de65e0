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
    private readonly HttpContent? _content;
    private readonly UpstreamInstance _first;
    private readonly string _firstUrl;
    private UpstreamInstance _last;
    private UpstreamInstance? _current;
    private ulong _tried;
    private int _attempts;

    private UpstreamAttempts(HttpForwarder forwarder, HttpContext context, GatewayRoute route, UpstreamService service, HttpContent? content, UpstreamInstance first, string firstUrl)
    {
        _forwarder = forwarder;
        _context = context;
        _route = route;
        _service = service;
        _content = content;
        _first = first;
        _last = first;
        _firstUrl = firstUrl;
    }

    public static async ValueTask<SendOutcome> RunAsync(
        HttpForwarder forwarder, ResiliencePipeline<HttpResponseMessage> pipeline, HttpContext context, GatewayRoute route,
        UpstreamService service, HttpContent? content, UpstreamInstance first, string firstUrl)
    {
        service.Budget?.Deposit();
        var attempts = new UpstreamAttempts(forwarder, context, route, service, content, first, firstUrl);
        var resilience = ResilienceContextPool.Shared.Get(context.RequestAborted);
        resilience.Properties.Set(Key, attempts);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(static (ctx, self) => self.AttemptAsync(ctx.CancellationToken), resilience, attempts);
            var retries = Math.Max(0, attempts._attempts - 1);
            return outcome.Exception is { } failure
                ? new SendOutcome(null, attempts._last, failure, retries)
                : new SendOutcome(outcome.Result, attempts._current!, null, retries);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilience);
        }
    }

    /// <summary>Retry a failure (connection, timeout, open circuit, 500/502/503/504) when another instance is left and the budget allows.</summary>
    public static bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (!context.Properties.TryGetValue(Key, out var self) || self._context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        var failed = outcome.Exception switch
        {
            null => outcome.Result is { StatusCode: System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.GatewayTimeout },
            OperationCanceledException => false,
            var exception => !UpstreamFailures.IsClientFault(exception),
        };

        return failed && self._service.HasUntried(self._tried) && (self._service.Budget?.TryWithdraw() ?? true);
    }

    /// <summary>A failed answer that is retried is dropped, and its instance's lease returned.</summary>
    public static void OnRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Result is { } response && context.Properties.TryGetValue(Key, out var self))
        {
            response.Dispose();
            self._current?.Release();
            self._current = null;
        }
    }

    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(CancellationToken cancellationToken)
    {
        var instance = _attempts == 0 ? _first : _service.Select(_tried);
        if (instance is null)
        {
            return Outcome.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "No instance is left to try."));
        }

        var url = _attempts == 0 ? _firstUrl : UpstreamPath.TryBuild(_context, _route, instance.BaseUrl)!;
        _attempts++;
        _tried |= 1UL << instance.Index;
        _last = instance;
        instance.Acquire();
        try
        {
            var response = await _service.Invoker.SendAsync(_forwarder.CreateMessage(_context, _route, url, _content, instance), cancellationToken);
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
