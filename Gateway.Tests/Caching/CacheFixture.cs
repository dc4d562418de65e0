using System.Net.Http.Headers;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Caching;

/// <summary>A gateway whose <c>airtable</c> route caches, in front of one counting fake Airtable service; two clients with their own keys.</summary>
internal sealed class CacheFixture : IAsyncDisposable
{
    public const string AliceKey = "alice-key-0123456789";
    public const string BobKey = "bob-key-01234567890";

    private CacheFixture(FakeUpstream upstream, GatewayHost gateway)
    {
        Upstream = upstream;
        Gateway = gateway;
    }

    public FakeUpstream Upstream { get; }

    public GatewayHost Gateway { get; }

    public static async Task<CacheFixture> StartAsync(Dictionary<string, string?>? overrides = null)
    {
        var upstream = await FakeUpstream.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Routes:airtable:Cache:Enabled"] = "true",
            ["Gateway:Auth:Keys:0:Name"] = "alice",
            ["Gateway:Auth:Keys:0:Key"] = AliceKey,
            ["Gateway:Auth:Keys:1:Name"] = "bob",
            ["Gateway:Auth:Keys:1:Key"] = BobKey,
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        var gateway = await GatewayHost.StartAsync(airtable: upstream, overrides: settings);
        return new CacheFixture(upstream, gateway);
    }

    /// <summary>The service answers 200 with <paramref name="body"/> and these headers.</summary>
    public void Answer(string body, params (string Name, string Value)[] headers) => Upstream.Handler = FakeUpstream.Respond(200, body, "application/json", headers);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key = AliceKey, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", key);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Gateway.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string key = AliceKey, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, key, headers);

    public static string Status(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "(none)";

    public static TimeSpan? Age(HttpResponseMessage response) => response.Headers.Age;

    public static CacheControlHeaderValue? CacheControlOf(HttpResponseMessage response) => response.Headers.CacheControl;

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
