namespace PyAirtable.Gateway.Resilience;

/// <summary>Per-service circuit breaker (section <c>Gateway:CircuitBreaker</c>).</summary>
internal sealed class CircuitBreakerOptions
{
    public const string Section = "Gateway:CircuitBreaker";

    /// <summary>Failed forwards (5xx, connection failure, timeout) with no success between them that open the circuit.</summary>
    public int FailureThreshold { get; set; } = 5;

    /// <summary>Seconds the circuit stays open before one trial request decides.</summary>
    public double BreakSeconds { get; set; } = 60;

    /// <summary>Seconds of history in which those failures are counted.</summary>
    public double SamplingSeconds { get; set; } = 30;

    /// <summary>Switches the breaker off.</summary>
    public bool Enabled { get; set; } = true;
}
