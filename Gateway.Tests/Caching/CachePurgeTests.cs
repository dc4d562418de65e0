using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary><c>DELETE /_gateway/cache</c>: admin scope, all or by path prefix.</summary>
public sealed class CachePurgeTests : IAsyncLifetime
{
    private CacheFixture _f = null!;

    public async Task InitializeAsync() => _f = await CacheFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private async Task StoreAsync(params string[] paths)
    {
        _f.Answer("{}", ("Cache-Control", "public, max-age=60"));
        foreach (var path in paths)
        {
            (await _f.GetAsync(path)).Dispose();
        }
    }

    private static async Task<int> RemovedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("removed").GetInt32();
    }

    [Fact]
    public async Task Purge_Prefix_RemovesOnlyMatching()
    {
        await StoreAsync("/api/airtable/bases/app1/tables", "/api/airtable/bases/app1/tables/t1?x=1", "/api/airtable/bases/app2/tables");

        using var purge = await _f.SendAsync(HttpMethod.Delete, "/_gateway/cache?prefix=/api/airtable/bases/app1", GatewayHost.ApiKey);
        using var app1 = await _f.GetAsync("/api/airtable/bases/app1/tables");
        using var app2 = await _f.GetAsync("/api/airtable/bases/app2/tables");

        Assert.Equal(2, await RemovedAsync(purge));
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(app1));
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(app2));
    }

    [Fact]
    public async Task Purge_All_RemovesEverything()
    {
        await StoreAsync("/api/airtable/a", "/api/airtable/b");

        using var purge = await _f.SendAsync(HttpMethod.Delete, "/_gateway/cache", GatewayHost.ApiKey);
        using var a = await _f.GetAsync("/api/airtable/a");

        Assert.Equal(2, await RemovedAsync(purge));
        Assert.Equal("PyAirtableGateway; fwd=uri-miss; stored", CacheFixture.Status(a));
    }

    [Fact]
    public async Task Purge_WithoutAdminScope_403AndNothingRemoved()
    {
        await StoreAsync("/api/airtable/a");

        using var purge = await _f.SendAsync(HttpMethod.Delete, "/_gateway/cache", CacheFixture.BobKey);
        using var a = await _f.GetAsync("/api/airtable/a");

        await Problem.AssertAsync(purge, 403);
        Assert.Equal("PyAirtableGateway; hit", CacheFixture.Status(a));
    }

    [Fact]
    public async Task Purge_WithoutCredentials_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/_gateway/cache");
        using var purge = await _f.Gateway.SendAsync(request);

        await Problem.AssertAsync(purge, 401);
    }

    [Theory]
    [InlineData("?prefix=")]
    [InlineData("?prefix=api/airtable")]
    [InlineData("?prefix=/a&prefix=/b")]
    public async Task Purge_BadPrefix_400(string query)
    {
        using var purge = await _f.SendAsync(HttpMethod.Delete, "/_gateway/cache" + query, GatewayHost.ApiKey);

        await Problem.AssertAsync(purge, 400);
    }
}
