using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>
/// The metric streams' reservations: the SDK reserves every stream's points up front, so the framework's meters (a
/// handful of series each) get a small limit, and the gateway's own meter keeps the SDK's default for its labels.
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
    public void StreamOf_GatewayMeter_SdkDefault()
    {
        using var meter = new Meter(GatewayMetrics.MeterName);

        Assert.Null(ObservabilityExtensions.StreamOf(meter.CreateCounter<long>("gateway_requests")));
        Assert.Null(ObservabilityExtensions.StreamOf(meter.CreateHistogram<double>("gateway_request_duration")));
    }
}
