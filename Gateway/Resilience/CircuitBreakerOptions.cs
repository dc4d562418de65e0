namespace PyAirtable.Gateway.Resilience;

/// <summary>Per-service circuit breaker (section <c>Gateway:CircuitBreaker</c>).</summary>
internal sealed class CircuitBreakerOptions
{
    public const string Section = "Gateway:CircuitBreaker";

    /// <summary>Failed forwards in a row (5xx, connection failure, timeout) that open the circuit.</summary>
    public int FailureThreshold { get; set; } = 5;

    /// <summary>Seconds the circuit stays open before one trial request decides.</summary>
    public double BreakSeconds { get; set; } = 60;

    /// <summary>Switches the breaker off.</summary>
    public bool Enabled { get; set; } = true;
}
