using Polly;

namespace PyAirtable.Gateway.Resilience;

/// <summary>Marks the <see cref="ConsecutiveFailuresCircuitBreaker"/> in a pipeline (its settings are in <see cref="CircuitBreakerOptions"/>).</summary>
internal sealed class ConsecutiveFailuresCircuitBreakerOptions : ResilienceStrategyOptions
{
    public ConsecutiveFailuresCircuitBreakerOptions() => Name = "consecutive-failures-circuit-breaker";
}
