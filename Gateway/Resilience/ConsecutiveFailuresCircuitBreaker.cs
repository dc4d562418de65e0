using Polly;
using Polly.CircuitBreaker;
using CircuitState = PyAirtable.Gateway.Routing.CircuitState;

namespace PyAirtable.Gateway.Resilience;

/// <summary>
/// A Polly strategy for the contract's breaker: after <see cref="CircuitBreakerOptions.FailureThreshold"/> failed
/// forwards in a row the circuit opens for <see cref="CircuitBreakerOptions.BreakSeconds"/>, then one trial request
/// decides. Polly 8's own breaker counts a failure ratio over a sampling window, where one earlier success keeps the
/// circuit closed however many failures follow; this one counts failures in a row, as Polly 7's basic breaker did.
/// While open it rejects with Polly's <see cref="BrokenCircuitException"/> (with <c>RetryAfter</c>) without calling on.
/// </summary>
internal sealed class ConsecutiveFailuresCircuitBreaker : ResilienceStrategy<HttpResponseMessage>
{
    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private readonly TimeProvider _time;
    private readonly Action<Uri?, CircuitState, TimeSpan> _changed;
    private readonly Lock _gate = new();
    private CircuitState _state;
    private int _failures;
    private DateTimeOffset _openUntil;
    private bool _trialInFlight;

    public ConsecutiveFailuresCircuitBreaker(int threshold, TimeSpan breakDuration, TimeProvider time, Action<Uri?, CircuitState, TimeSpan> changed)
    {
        _threshold = threshold;
        _breakDuration = breakDuration;
        _time = time;
        _changed = changed;
    }

    public CircuitState State => _state;

    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        var trial = false;
        if (_state != CircuitState.Closed && !TryEnter(context, out trial, out var retryAfter))
        {
            return Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException("The circuit is open.", retryAfter));
        }

        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        Record(UpstreamFailures.Judge(outcome, context.CancellationToken), trial, context);
        return outcome;
    }

    /// <summary>Open: reject until the break is over, then let exactly one trial through.</summary>
    private bool TryEnter(ResilienceContext context, out bool trial, out TimeSpan retryAfter)
    {
        trial = false;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_state == CircuitState.Closed)
            {
                retryAfter = default;
                return true;
            }

            if (_state == CircuitState.Open && now >= _openUntil)
            {
                _state = CircuitState.HalfOpen;
                _trialInFlight = false;
            }

            if (_state == CircuitState.HalfOpen && !_trialInFlight)
            {
                _trialInFlight = true;
                trial = true;
                retryAfter = default;
                Notify(context, CircuitState.HalfOpen, TimeSpan.Zero);
                return true;
            }

            retryAfter = _state == CircuitState.Open ? _openUntil - now : _breakDuration;
            return false;
        }
    }

    private void Record(ForwardVerdict verdict, bool trial, ResilienceContext context)
    {
        if (verdict == ForwardVerdict.Success && !trial)
        {
            if (Volatile.Read(ref _failures) != 0)
            {
                Interlocked.Exchange(ref _failures, 0);
            }

            return;
        }

        lock (_gate)
        {
            if (trial)
            {
                _trialInFlight = false;
                switch (verdict)
                {
                    case ForwardVerdict.Success:
                        _state = CircuitState.Closed;
                        _failures = 0;
                        Notify(context, CircuitState.Closed, TimeSpan.Zero);
                        break;
                    case ForwardVerdict.Failure:
                        Open(context);
                        break;
                }

                // No verdict (the client went away): the next request is the trial.
                return;
            }

            if (verdict == ForwardVerdict.Failure && _state == CircuitState.Closed && ++_failures >= _threshold)
            {
                Open(context);
            }
        }
    }

    private void Open(ResilienceContext context)
    {
        _state = CircuitState.Open;
        _failures = 0;
        _openUntil = _time.GetUtcNow() + _breakDuration;
        Notify(context, CircuitState.Open, _breakDuration);
    }

    private void Notify(ResilienceContext context, CircuitState state, TimeSpan breakDuration) =>
        _changed(context.GetRequestMessage()?.RequestUri, state, breakDuration);
}
