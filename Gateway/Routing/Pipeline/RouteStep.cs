using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>
/// One step of a route's pipeline. Steps are composed once per endpoint when the route table is built (each holds
/// the next), so a request costs one virtual call per step and no allocation for the composition; the last step
/// forwards. A step may answer itself (an invalid body), change what goes on (a held or transformed body), or set
/// response headers, and then calls <see cref="Next"/>.
/// </summary>
internal abstract class RouteStep
{
    protected RouteStep(RouteStep? next) => Next = next;

    /// <summary>The next step; null only for the last one.</summary>
    public RouteStep? Next { get; }

    /// <summary>The step's name in <c>/_gateway/routes</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Handles the request. <paramref name="body"/> is a body an earlier step has read whole, or null (the forwarder streams the client's).</summary>
    public abstract Task InvokeAsync(HttpContext context, ForwardedContent? body);
}
