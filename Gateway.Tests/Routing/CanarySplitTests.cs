using System.Net;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Tests.Routing;

/// <summary>Traffic splitting: proportions, stickiness and the header override.</summary>
public sealed class CanarySplitTests
{
    [Theory]
    [InlineData(20)]
    [InlineData(5)]
    [InlineData(50)]
    public void Bucket_TenThousandClientIds_SplitWithinTwoPercent(int percent)
    {
        var threshold = percent * CanarySplit.Buckets / 100;
        var canary = 0;
        for (var i = 0; i < 10_000; i++)
        {
            if (CanarySplit.Bucket($"client-{i}") < threshold)
            {
                canary++;
            }
        }

        Assert.InRange(canary / 100.0, percent - 2, percent + 2);
    }

    [Fact]
    public void Bucket_TenThousandAddresses_SplitWithinTwoPercent()
    {
        var canary = 0;
        for (var i = 0; i < 10_000; i++)
        {
            if (CanarySplit.Bucket(new IPAddress([10, 1, (byte)(i >> 8), (byte)i])) < 2000)
            {
                canary++;
            }
        }

        Assert.InRange(canary / 100.0, 18, 22);
    }

    [Fact]
    public void Choose_SameClient_AlwaysSameSide_TheSideItsBucketSays()
    {
        var primary = Service("primary");
        var split = new CanarySplit(Service("canary"), "Canary", 20, null, null);
        for (var i = 0; i < 200; i++)
        {
            var id = $"client-{i}";
            var first = split.Choose(Context(id), primary);
            for (var again = 0; again < 5; again++)
            {
                Assert.Same(first, split.Choose(Context(id), primary));
            }

            Assert.Equal(CanarySplit.Bucket(new ClientIdentity(id, []).ClientId) < 2000, ReferenceEquals(first, split.Service));
        }
    }

    [Theory]
    [InlineData("X-Canary", null, "anything", true)]
    [InlineData("X-Canary", "on", "on", true)]
    [InlineData("X-Canary", "on", "off", false)]
    public void Choose_Header_SendsToCanaryRegardlessOfPercent(string header, string? value, string sent, bool toCanary)
    {
        var primary = Service("primary");
        var split = new CanarySplit(Service("canary"), "Canary", 0, header, value);
        var context = Context("client-1");
        context.Request.Headers[header] = sent;

        Assert.Equal(toCanary, ReferenceEquals(split.Service, split.Choose(context, primary)));
        Assert.Same(primary, split.Choose(Context("client-1"), primary));
    }

    private static DefaultHttpContext Context(string clientId)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new ClientIdentity(clientId, []));
        return context;
    }

    private static UpstreamService Service(string name) =>
        new(ServiceKind.Configured, name, "http://127.0.0.1:9", ["http://127.0.0.1:9"], [], BalancingPolicy.RoundRobin, new HttpMessageInvoker(new HttpClientHandler()));
}
