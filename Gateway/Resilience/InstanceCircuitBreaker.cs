using System.Diagnostics;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Resilience;

/// <summary>
/// The contract's breaker for one instance: after <see cref="CircuitBreakerOptions.FailureThreshold"/> failed forwards
/// in a row the circuit opens for <see cref="CircuitBreakerOptions.BreakSeconds"/>, then one trial request decides.
/// Polly 8's breaker counts a failure ratio over a sampling window, where one earlier success keeps the circuit closed
/// however many failures follow; this one counts failures in a row, as Polly 7's basic breaker did. The forwarder
/// asks it before every attempt and reports the verdict after, so a closed circuit costs one volatile read and no
/// allocation or extra async step. The balancer, health report and metrics read its state through the instance.
/// </summary>
internal sealed class InstanceCircuitBreaker
{
    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private readonly long _breakTicks;
    private readonly Lock _gate = new();
    private volatile CircuitState _state;
    private int _failures;
    private long _openUntil;
    private bool _trialInFlight;

    public InstanceCircuitBreaker(int threshold, TimeSpan breakDuration)
    {
        _threshold = threshold;
        _breakDuration = breakDuration;
        _breakTicks = (long)(breakDuration.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>The circuit as reported: an open one whose break is over shows as half-open (due for its trial).</summary>
    public CircuitState State
    {
        get
        {
            var state = _state;
            return state == CircuitState.Open && Stopwatch.GetTimestamp() >= Volatile.Read(ref _openUntil) ? CircuitState.HalfOpen : state;
        }
    }

    /// <summary>True unless the circuit is open and its break not over at <paramref name="now"/> (a Stopwatch timestamp).</summary>
    public bool Admits(long now) => _state != CircuitState.Open || now >= Volatile.Read(ref _openUntil);

    /// <summary>
    /// May an attempt go to the instance? Closed: yes. Open: no (with the time left) until the break is over, then
    /// exactly one attempt, the <paramref name="trial"/>, until its verdict is in.
    /// </summary>
    public bool TryEnter(out bool trial, out TimeSpan retryAfter)
    {
        trial = false;
        retryAfter = default;
        if (_state == CircuitState.Closed)
        {
            return true;
        }

        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (_state == CircuitState.Closed)
            {
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
                return true;
            }

            retryAfter = _state == CircuitState.Open ? Stopwatch.GetElapsedTime(now, _openUntil) : _breakDuration;
            return false;
        }
    }

    /// <summary>The verdict on an attempt that <see cref="TryEnter"/> let through.</summary>
    public void Record(ForwardVerdict verdict, bool trial)
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
                        break;
                    case ForwardVerdict.Failure:
                        Open();
                        break;
                }

                // No verdict (the client went away): the next request is the trial.
                return;
            }

            if (verdict == ForwardVerdict.Failure && _state == CircuitState.Closed && ++_failures >= _threshold)
            {
                Open();
            }
        }
    }

    private void Open()
    {
        _failures = 0;
        Volatile.Write(ref _openUntil, Stopwatch.GetTimestamp() + _breakTicks);
        _state = CircuitState.Open;
    }
}
