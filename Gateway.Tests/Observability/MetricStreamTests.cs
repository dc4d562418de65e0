using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>
/// The metric streams' reservations: the SDK reserves every stream's points up front, so the framework's meters (a
/// handful of series each) get a small limit, the gateway's request counter keeps the SDK's default (method × route ×
/// status) and the gateway's other metrics a limit that covers their route, service or instance labels.
/// </summary>
public sealed class MetricStreamTests
{
    [Theory]
    [InlineData("System.Runtime")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel")]
    [InlineData("Microsoft.AspNetCore.Hosting")]
    public void StreamOf_FrameworkMeter_SmallCardinalityLimit(string meterName)
    {
        using var named = new Meter(meterName);

        var stream = ObservabilityExtensions.StreamOf(named.CreateCounter<long>("requests"));

        Assert.NotNull(stream);
        Assert.Equal(ObservabilityExtensions.FrameworkCardinalityLimit, stream.CardinalityLimit);
        Assert.Null(stream.Name);
    }

    [Fact]
    public void StreamOf_GatewayRequests_SdkDefault()
    {
        using var meter = new Meter(GatewayMetrics.MeterName);

        Assert.Null(ObservabilityExtensions.StreamOf(meter.CreateCounter<long>("gateway_requests")));
    }

    [Theory]
    [InlineData("gateway_request_duration")]
    [InlineData("gateway_cache_hits")]
    [InlineData("gateway_tunnel_bytes")]
    public void StreamOf_OtherGatewayMetrics_RouteSizedLimit(string name)
    {
        using var meter = new Meter(GatewayMetrics.MeterName);

        var stream = ObservabilityExtensions.StreamOf(meter.CreateHistogram<double>(name));

        Assert.NotNull(stream);
        Assert.Equal(ObservabilityExtensions.GatewayCardinalityLimit, stream.CardinalityLimit);
        Assert.Null(stream.Name);
    }
}
