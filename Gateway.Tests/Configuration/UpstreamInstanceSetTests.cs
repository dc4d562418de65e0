using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>A reloaded instance list keeps the instances (and their state) whose URL and role did not change.</summary>
public sealed class UpstreamInstanceSetTests
{
    [Fact]
    public void Create_FromPrevious_KeepsUnchangedInstancesWithTheirState_AndReindexes()
    {
        var previous = UpstreamInstanceSet.Create("a,b", ["http://a:1", "http://b:1"], ["http://c:1"]);
        var b = previous.Primaries[1];
        b.Acquire();
        b.Probe(HealthStatus.Unhealthy);

        var next = UpstreamInstanceSet.Create("b,d", ["http://b:1", "http://d:1"], ["http://a:1"], previous);

        Assert.Same(b, next.Primaries[0]);
        Assert.Equal(0, b.Index);
        Assert.Equal(1, b.Outstanding);
        Assert.Equal(HealthStatus.Unhealthy, b.Probed);
        Assert.DoesNotContain(next.All, i => ReferenceEquals(i, previous.Primaries[0])); // a changed role: a new instance
        Assert.True(next.Backups[0].IsBackup);
        Assert.Equal(2, next.Backups[0].Index);
        Assert.Null(next.Primaries[1].Probed);
        Assert.Equal("b,d", next.ConfiguredUrl);
    }
}
