using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Observability;

/// <summary>Circuit states as metrics and operator views show them (the state itself lives on <see cref="UpstreamInstance"/>).</summary>
internal static class CircuitNames
{
    public static string Name(CircuitState state) => state switch
    {
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half-open",
        _ => "closed",
    };

    /// <summary>The value of <c>gateway_circuit_state</c>: 0 closed, 1 half-open, 2 open.</summary>
    public static int MetricValue(CircuitState state) => state switch
    {
        CircuitState.Open => 2,
        CircuitState.HalfOpen => 1,
        _ => 0,
    };

    /// <summary>A service's circuit: open when every instance's is, closed when every instance's is, else half-open.</summary>
    public static CircuitState OfService(UpstreamService service)
    {
        int open = 0, closed = 0;
        foreach (var instance in service.All)
        {
            switch (instance.Circuit)
            {
                case CircuitState.Open:
                    open++;
                    break;
                case CircuitState.Closed:
                    closed++;
                    break;
            }
        }

        return open == service.All.Length ? CircuitState.Open : closed == service.All.Length ? CircuitState.Closed : CircuitState.HalfOpen;
    }
}
