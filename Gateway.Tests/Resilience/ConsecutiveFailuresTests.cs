using System.Net;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Resilience;

/// <summary>The circuit opens on failures in a row, whatever succeeded before them.</summary>
public sealed class ConsecutiveFailuresTests
{
    [Fact]
    public async Task SuccessesThenFiveFailuresInARow_OpensTheCircuit()
    {
        var status = 200;
        await using var upstream = await FakeUpstream.StartAsync((context, _) =>
            FakeUpstream.WriteAsync(context, status, "{}"u8.ToArray(), "application/json"));
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null,
            new Dictionary<string, string?> { ["Gateway:Health:IntervalSeconds"] = "0" });

        for (var i = 0; i < 20; i++)
        {
            using var ok = await gateway.GetAsync("/api/airtable/bases");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        status = 500;
        for (var i = 0; i < 4; i++)
        {
            using var failed = await gateway.GetAsync("/api/airtable/bases");
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        using (var fifth = await gateway.GetAsync("/api/airtable/bases"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, fifth.StatusCode);
        }

        var contacts = upstream.ContactCount;
        using var open = await gateway.GetAsync("/api/airtable/bases");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        Assert.Equal(contacts, upstream.ContactCount);
    }

    [Fact]
    public async Task FourFailuresThenASuccess_StartsTheCountAgain()
    {
        var status = 500;
        await using var upstream = await FakeUpstream.StartAsync((context, _) =>
            FakeUpstream.WriteAsync(context, status, "{}"u8.ToArray(), "application/json"));
        await using var gateway = await GatewayHost.StartAtAsync(upstream.Url, null, null,
            new Dictionary<string, string?> { ["Gateway:Health:IntervalSeconds"] = "0" });

        foreach (var expected in new[] { 500, 500, 500, 500, 200, 500, 500, 500, 500 })
        {
            status = expected;
            using var response = await gateway.GetAsync("/api/airtable/bases");
            Assert.Equal(expected, (int)response.StatusCode);
        }
    }
}
