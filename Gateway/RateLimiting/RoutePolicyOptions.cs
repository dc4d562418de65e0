namespace PyAirtable.Gateway.RateLimiting;

/// <summary>One per-route limit (an item of <c>Gateway:RateLimits:Routes</c>).</summary>
internal sealed class RoutePolicyOptions
{
    /// <summary>A proxied route's template as the route table has it, e.g. <c>/api/execute-tool</c>.</summary>
    public string Route { get; set; } = "";

    /// <summary>Methods the limit applies to; empty means every method of the route. GET covers HEAD.</summary>
    public string[] Methods { get; set; } = [];

    /// <summary>Requests per minute per client on this route (and methods).</summary>
    public int PerMinute { get; set; }
}
