using PyAirtable.Gateway.Caching;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>The collapser's memory of URLs whose answers could not be stored (hit-for-miss).</summary>
public sealed class RequestCollapserTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Mark_MarkedForItsLifetimeOnly()
    {
        var collapser = new RequestCollapser();
        collapser.MarkUncacheable("/api/airtable/a", "?x=1", Now);

        Assert.True(collapser.IsUncacheable("/api/airtable/a", "?x=1", Now + RequestCollapser.UncacheableLifetime - TimeSpan.FromTicks(1)));
        Assert.False(collapser.IsUncacheable("/api/airtable/a", "?x=2", Now));
        Assert.False(collapser.IsUncacheable("/api/airtable/b", "?x=1", Now));
        Assert.False(collapser.IsUncacheable("/api/airtable/a", "?x=1", Now + RequestCollapser.UncacheableLifetime));
        Assert.Equal(0, collapser.UncacheableCount);
    }

    [Fact]
    public void Mark_RenewedInTheSecondHalfOfItsLifetime()
    {
        var collapser = new RequestCollapser();
        var half = RequestCollapser.UncacheableLifetime / 2;
        collapser.MarkUncacheable("/p", "", Now);
        collapser.MarkUncacheable("/p", "", Now + half + TimeSpan.FromSeconds(1));

        Assert.True(collapser.IsUncacheable("/p", "", Now + RequestCollapser.UncacheableLifetime + half));
        Assert.Equal(1, collapser.UncacheableCount);
    }

    [Fact]
    public void Clear_StorableAnswerForgetsTheMark()
    {
        var collapser = new RequestCollapser();
        collapser.MarkUncacheable("/p", "", Now);
        collapser.ClearUncacheable("/p", "");
        collapser.ClearUncacheable("/never", "");

        Assert.False(collapser.IsUncacheable("/p", "", Now));
        Assert.Equal(0, collapser.UncacheableCount);
    }

    [Fact]
    public void Mark_Bounded_ExpiredMarksMakeRoom()
    {
        var collapser = new RequestCollapser();
        for (var i = 0; i < RequestCollapser.MaxUncacheable + 10; i++)
        {
            collapser.MarkUncacheable("/p/" + i, "", Now);
        }

        Assert.Equal(RequestCollapser.MaxUncacheable, collapser.UncacheableCount);
        Assert.False(collapser.IsUncacheable("/p/" + RequestCollapser.MaxUncacheable, "", Now));

        var later = Now + RequestCollapser.UncacheableLifetime;
        collapser.MarkUncacheable("/q", "", later);

        Assert.Equal(1, collapser.UncacheableCount);
        Assert.True(collapser.IsUncacheable("/q", "", later));
    }
}
