using System.Net;
using Microsoft.AspNetCore.Builder;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway (<see cref="Program.CreateApp"/>) on 127.0.0.1:0, with the three services
/// pointed at the given fake upstreams (or at a refusing port when none is given).
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private GatewayHost(WebApplication app, Uri baseAddress, IReadOnlyDictionary<string, string> settings)
    {
        App = app;
        BaseAddress = baseAddress;
        Settings = settings;
        Client = CreateClient();
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    /// <summary>The flat settings the gateway was started with.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>A client with no default headers (tests add the key themselves).</summary>
    public HttpClient Client { get; }

    /// <summary>Settings every test starts from: generous limits, nothing rate limited.</summary>
    public static Dictionary<string, string?> DefaultSettings(string? airtable, string? llm, string? mcp) => new()
    {
        ["API_KEY"] = ApiKey,
        ["AIRTABLE_GATEWAY_URL"] = airtable ?? Ports.RefusingUrl(),
        ["LLM_ORCHESTRATOR_URL"] = llm ?? Ports.RefusingUrl(),
        ["MCP_SERVER_URL"] = mcp ?? Ports.RefusingUrl(),
        ["UPSTREAM_TIMEOUT"] = "10",
        ["HEALTH_CHECK_TIMEOUT"] = "2",
        ["RATE_LIMIT_PER_MINUTE"] = "0",
        ["CHAT_RATE_LIMIT_PER_MINUTE"] = "0",
        ["CORS_ORIGINS"] = "http://localhost:3000",

        // The API documentation fetches every service's /openapi.json at start, which would show up in what the fake
        // upstreams count; its own tests switch it on.
        ["Gateway:Documentation:Enabled"] = "false",
    };

    /// <summary>Command-line arguments for <see cref="Program.CreateApp"/>; a null value leaves the setting out.</summary>
    public static string[] Arguments(IReadOnlyDictionary<string, string?> settings)
    {
        var args = new List<string> { "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=" + LogLevel };
        args.AddRange(settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}"));
        return [.. args];
    }

    private static string LogLevel => Environment.GetEnvironmentVariable("GATEWAY_TEST_LOG_LEVEL") ?? "None";

    public static Task<GatewayHost> StartAsync(
        FakeUpstream? airtable = null,
        FakeUpstream? llm = null,
        FakeUpstream? mcp = null,
        IReadOnlyDictionary<string, string?>? overrides = null) =>
        StartAtAsync(airtable?.Url, llm?.Url, mcp?.Url, overrides);

    /// <summary>Starts the gateway with the services at the given URLs (a refusing port for null).</summary>
    public static async Task<GatewayHost> StartAtAsync(
        string? airtableUrl,
        string? llmUrl,
        string? mcpUrl,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = DefaultSettings(airtableUrl, llmUrl, mcpUrl);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = Program.CreateApp(Arguments(settings));
        await app.StartAsync();
        var address = app.Urls.Select(u => new Uri(u)).First(u => u.Host == "127.0.0.1");
        var effective = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!);
        return new GatewayHost(app, new Uri($"http://127.0.0.1:{address.Port}"), effective);
    }

    /// <summary>A fresh client to the gateway: no redirects, no cookies, no decompression, no proxy.</summary>
    public HttpClient CreateClient() =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>A request to the gateway, carrying the valid API key unless told otherwise.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string pathAndQuery, bool withKey = true, string? json = null)
    {
        var request = new HttpRequestMessage(method, pathAndQuery);
        if (withKey)
        {
            request.Headers.Add("X-API-Key", ApiKey);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        Client.SendAsync(request, completion).WithTimeout();

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, bool withKey = true, string? json = null) =>
        SendAsync(Request(method, pathAndQuery, withKey, json));

    public Task<HttpResponseMessage> GetAsync(string pathAndQuery, bool withKey = true) =>
        SendAsync(HttpMethod.Get, pathAndQuery, withKey);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }
}
