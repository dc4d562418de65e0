using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Benchmarks.Micro;

/// <summary>
/// A whole forward through the real gateway (in-process, real Kestrel on loopback) to an in-process
/// loopback upstream, against the same call made directly: the difference is what the gateway costs
/// in time and allocations per request. (BenchmarkDotNet needs the class public and unsealed.)
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ForwardBenchmarks : IDisposable
{
    private const string SmallGet = "GET 1 KB JSON";
    private const string LargePost = "POST 64 KB echo";
    private const int PostBytes = 64 * 1024;

    private readonly byte[] _drain = new byte[64 * 1024];
    private byte[] _postBody = [];
    private WebApplication? _upstream;
    private WebApplication? _gateway;
    private HttpMessageInvoker? _client;
    private Uri _directGet = null!;
    private Uri _gatewayGet = null!;
    private Uri _directPost = null!;
    private Uri _gatewayPost = null!;

    [GlobalSetup(Targets = [nameof(DirectGet), nameof(DirectPost)])]
    public void SetupDirect() => SetupAsync(withGateway: false).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(GatewayGet), nameof(GatewayPost)])]
    public void SetupGateway() => SetupAsync(withGateway: true).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "direct")]
    [BenchmarkCategory(SmallGet)]
    public Task<int> DirectGet() => SendAsync(HttpMethod.Get, _directGet, withBody: false);

    [Benchmark(Description = "gateway")]
    [BenchmarkCategory(SmallGet)]
    public Task<int> GatewayGet() => SendAsync(HttpMethod.Get, _gatewayGet, withBody: false);

    [Benchmark(Baseline = true, Description = "direct")]
    [BenchmarkCategory(LargePost)]
    public Task<int> DirectPost() => SendAsync(HttpMethod.Post, _directPost, withBody: true);

    [Benchmark(Description = "gateway")]
    [BenchmarkCategory(LargePost)]
    public Task<int> GatewayPost() => SendAsync(HttpMethod.Post, _gatewayPost, withBody: true);

    private async Task SetupAsync(bool withGateway)
    {
        _upstream = EmulatedServiceHost.Create(EmulatedServiceKind.BenchUpstream, 0, LogLevel.None);
        await _upstream.StartAsync();
        var upstream = EmulatedServiceHost.BoundAddress(_upstream).ToString().TrimEnd('/');
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        });
        _postBody = new byte[PostBytes];
        Random.Shared.NextBytes(_postBody);
        _directGet = new Uri(upstream + "/bench/json");
        _directPost = new Uri(upstream + "/bench/echo");
        await ProbeAsync(HttpMethod.Get, _directGet, withBody: false);
        await ProbeAsync(HttpMethod.Post, _directPost, withBody: true);
        if (!withGateway)
        {
            return;
        }

        _gateway = global::Program.CreateApp(
        [
            "--urls", "http://127.0.0.1:0",
            "--API_KEY", RequestTemplate.ApiKey,
            "--AIRTABLE_GATEWAY_URL", upstream,
            "--MCP_SERVER_URL", upstream,
            "--LLM_ORCHESTRATOR_URL", upstream,
            "--RATE_LIMIT_PER_MINUTE", "100000000",
            "--CHAT_RATE_LIMIT_PER_MINUTE", "100000000",
            "--Logging:LogLevel:Default", "Warning",
            "--Logging:LogLevel:PyAirtable.Gateway.Forwarding.HttpForwarder", "Warning",
        ]);
        await _gateway.StartAsync();
        var gateway = EmulatedServiceHost.BoundAddress(_gateway).ToString().TrimEnd('/');
        _gatewayGet = new Uri(gateway + "/api/airtable/bench/json");
        _gatewayPost = new Uri(gateway + "/api/airtable/bench/echo");
        await ProbeAsync(HttpMethod.Get, _gatewayGet, withBody: false);
        await ProbeAsync(HttpMethod.Post, _gatewayPost, withBody: true);
    }

    private async Task ProbeAsync(HttpMethod method, Uri uri, bool withBody)
    {
        var status = await SendAsync(method, uri, withBody);
        if (status is < 200 or > 299)
        {
            throw new InvalidOperationException($"{method} {uri} answered HTTP {status}; the gateway must route /api/airtable/{{**path}} for these benchmarks.");
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client?.Dispose();
            _client = null;
        }
    }

    private async Task CleanupAsync()
    {
        _client?.Dispose();
        _client = null;
        foreach (var app in new[] { _gateway, _upstream })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>Sends one request the way a client would and drains the response body into a reused buffer.</summary>
    private async Task<int> SendAsync(HttpMethod method, Uri uri, bool withBody)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("X-API-Key", RequestTemplate.ApiKey);
        if (withBody)
        {
            request.Content = new ByteArrayContent(_postBody);
        }

        using var response = await _client!.SendAsync(request, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();
        while (await body.ReadAsync(_drain) > 0)
        {
        }

        return (int)response.StatusCode;
    }
}
