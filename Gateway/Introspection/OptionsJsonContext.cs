using System.Text.Json.Serialization;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Cors;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Introspection;

/// <summary>Source-generated JSON for the options classes shown by <c>/_gateway/config</c> (no reflection, AOT-safe).</summary>
[JsonSerializable(typeof(AuthOptions))]
[JsonSerializable(typeof(GatewayCorsOptions))]
[JsonSerializable(typeof(ForwardingOptions))]
[JsonSerializable(typeof(CircuitBreakerOptions))]
[JsonSerializable(typeof(RetryOptions))]
[JsonSerializable(typeof(ServicesOptions))]
[JsonSerializable(typeof(LoadBalancingOptions))]
[JsonSerializable(typeof(RateLimitOptions))]
[JsonSerializable(typeof(HealthOptions))]
[JsonSerializable(typeof(ShutdownOptions))]
[JsonSerializable(typeof(ObservabilityOptions))]
internal sealed partial class OptionsJsonContext : JsonSerializerContext;
