using System.Net;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Functional;

/// <summary>Contract "Circuit breaker": 5 failed forwards in a row open the service's circuit (503 + Retry-After, no contact).</summary>
public sealed class CircuitBreakerTests
{
    [Fact]
    public async Task FiveUpstream500sInARow_NextRequest503WithoutContactingUpstream()
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(500, """{"error":"down"}"""));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        for (var i = 0; i < 5; i++)
        {
            using var failed = await gateway.GetAsync("/api/airtable/bases");
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("""{"error":"down"}""", await failed.Content.ReadAsStringAsync());
        }

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 503);
        AssertRetryAfter(response, max: 60);
        Assert.Equal(5, airtable.ContactCount);
    }

    [Fact]
    public async Task FiveRefusedConnections_NextRequest503()
    {
        await using var gateway = await GatewayHost.StartAsync();

        for (var i = 0; i < 5; i++)
        {
            using var failed = await gateway.GetAsync("/api/airtable/bases");
            await Problem.AssertAsync(failed, 502);
        }

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 503);
        AssertRetryAfter(response, max: 60);
    }

    [Fact]
    public async Task FiveTimeouts_NextRequest503WithoutContactingUpstream()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        airtable.Handler = airtable.NeverAnswer();
        await using var gateway = await GatewayHost.StartAtAsync(airtable.Url, null, null,
            new Dictionary<string, string?> { ["UPSTREAM_TIMEOUT"] = "0.2" });

        for (var i = 0; i < 5; i++)
        {
            using var failed = await gateway.GetAsync("/api/airtable/bases");
            await Problem.AssertAsync(failed, 504);
        }

        using var response = await gateway.GetAsync("/api/airtable/bases");

        await Problem.AssertAsync(response, 503);
        Assert.Equal(5, airtable.ContactCount);
    }

    [Fact]
    public async Task OpenCircuit_IsPerService()
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(500, "{}"));
        await using var llm = await FakeUpstream.StartAsync(FakeUpstream.Respond(200, """{"tools":[]}"""));
        await using var gateway = await GatewayHost.StartAsync(airtable, llm);

        for (var i = 0; i < 5; i++)
        {
            using var failed = await gateway.GetAsync("/api/airtable/bases");
        }

        using var open = await gateway.GetAsync("/api/airtable/bases");
        using var other = await gateway.GetAsync("/api/tools");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(1, llm.ContactCount);
    }

    [Fact]
    public async Task FailuresInterruptedBySuccess_CircuitStaysClosed()
    {
        var fail = true;
        await using var airtable = await FakeUpstream.StartAsync((context, record) =>
            FakeUpstream.Respond(Volatile.Read(ref fail) ? 500 : 200, "{}")(context, record));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        foreach (var status in new[] { 500, 500, 500, 500, 200, 500, 500, 500, 500 })
        {
            Volatile.Write(ref fail, status == 500);
            using var response = await gateway.GetAsync("/api/airtable/bases");
            Assert.Equal(status, (int)response.StatusCode);
        }

        Volatile.Write(ref fail, false);
        using var last = await gateway.GetAsync("/api/airtable/bases");
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(10, airtable.ContactCount);
    }

    [Fact]
    public async Task Upstream4xx_NotCountedAsFailures()
    {
        await using var airtable = await FakeUpstream.StartAsync(FakeUpstream.Respond(404, """{"error":"NOT_FOUND"}"""));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        for (var i = 0; i < 7; i++)
        {
            using var response = await gateway.GetAsync("/api/airtable/bases/missing");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(7, airtable.ContactCount);
    }

    [Fact]
    public async Task ClientsGoingAway_NotCounted()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        airtable.Handler = airtable.NeverAnswer();
        await using var gateway = await GatewayHost.StartAsync(airtable);

        for (var i = 0; i < 6; i++)
        {
            using var connection = await RawConnection.ConnectAsync(gateway.Port);
            await connection.WriteAsync($"GET /api/airtable/slow HTTP/1.1\r\nHost: gw\r\nX-API-Key: {GatewayHost.ApiKey}\r\n\r\n");
            await airtable.NextRequestAsync();
            connection.Abort();
            await airtable.NextAbortAsync();
        }

        airtable.Handler = FakeUpstream.Respond(200, """{"ok":true}""");
        using var response = await gateway.GetAsync("/api/airtable/bases");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(7, airtable.ContactCount);
    }

    [Fact]
    public async Task FailingHealthProbes_NotCounted()
    {
        await using var airtable = await FakeUpstream.StartAsync((context, record) =>
            record.RawTarget == "/health"
                ? FakeUpstream.Respond(500, """{"status":"down"}""")(context, record)
                : FakeUpstream.Respond(200, """{"ok":true}""")(context, record));
        await using var gateway = await GatewayHost.StartAsync(airtable);

        for (var i = 0; i < 6; i++)
        {
            using var health = await gateway.GetAsync("/api/health", withKey: false);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }

        using var response = await gateway.GetAsync("/api/airtable/bases");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static void AssertRetryAfter(HttpResponseMessage response, int max)
    {
        var value = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.True(int.TryParse(value, out var seconds), $"Retry-After '{value}' is not whole seconds");
        Assert.InRange(seconds, 1, max);
    }
}
