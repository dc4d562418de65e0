using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>The body step of an endpoint (<see cref="GatewayRoute.Body"/>); none for a streamed body, which stays untouched.</summary>
internal sealed class BodyStepFactory : IRouteStepFactory
{
    private readonly long _maxBodyBytes;
    private readonly ILogger _logger;

    public BodyStepFactory(IOptions<ForwardingOptions> options, ILogger<HttpForwarder> logger)
    {
        _maxBodyBytes = options.Value.MaxRequestBodyBytes;
        _logger = logger;
    }

    public int Order => 300;

    public RouteStep? Create(GatewayRoute route, RouteStep next) => route.Body switch
    {
        BodyHandling.JsonObject => new JsonObjectBodyStep(next, _maxBodyBytes, _logger),
        BodyHandling.V2Chat => new V2ChatBodyStep(next, _maxBodyBytes, _logger),
        _ => null,
    };
}
