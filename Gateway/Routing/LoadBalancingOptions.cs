namespace PyAirtable.Gateway.Routing;

/// <summary>How a service's instances share the traffic.</summary>
internal enum BalancingPolicy
{
    /// <summary>Two usable instances at random, the one with fewer requests outstanding wins.</summary>
    PowerOfTwoChoices,

    /// <summary>Usable instances in turn.</summary>
    RoundRobin,
}

/// <summary>Load balancing over several instances (section <c>Gateway:LoadBalancing</c>).</summary>
internal sealed class LoadBalancingOptions
{
    public const string Section = "Gateway:LoadBalancing";

    /// <summary>The balancing policy.</summary>
    public BalancingPolicy Policy { get; set; } = BalancingPolicy.PowerOfTwoChoices;

    /// <summary>Seconds an instance stays out of rotation after a connection failure (passive health).</summary>
    public double PassiveCooldownSeconds { get; set; } = 10;
}
