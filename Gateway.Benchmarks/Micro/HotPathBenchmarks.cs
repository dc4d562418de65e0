using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http.Features;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Benchmarks.Micro;

/// <summary>
/// The gateway's own per-request steps, without the network: request ids, building the upstream URL from the
/// raw target, copying and filtering request headers into the upstream message, and a whole pass through the
/// middleware pipeline and endpoint routing to a route answered by the gateway itself.
/// (BenchmarkDotNet needs the class public and unsealed.)
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks : IDisposable
{
    private WebApplication _app = null!;
    private HttpForwarder _forwarder = null!;
    private RequestDelegate _pipeline = null!;
    private DefaultHttpContext _proxied = null!;
    private DefaultHttpContext _escaped = null!;
    private GatewayRoute _airtable = null!;

    [GlobalSetup]
    public void Setup()
    {
        _app = Program.CreateApp(
        [
            "--urls=http://127.0.0.1:0", "--API_KEY=bench-key-123", "--AIRTABLE_GATEWAY_URL=http://127.0.0.1:9",
            "--Logging:LogLevel:Default=None", "--Gateway:Health:IntervalSeconds=0",
        ]);
        _forwarder = _app.Services.GetRequiredService<HttpForwarder>();
        _airtable = _app.Services.GetRequiredService<RouteTableProvider>().Current.Find("airtable")!.Endpoints[0];
        // WebApplication adds the endpoint middleware itself when the host starts; building by hand needs it said.
        _app.UseEndpoints(static _ => { });
        _pipeline = ((IApplicationBuilder)_app).Build();
        _proxied = Request("/api/airtable/bases/appX/tables?view=Grid%20view&fields%5B%5D=Name");
        _escaped = Request("/api/airtable/bases/a%2Fb/t%C3%A9st?q=1");
    }

    [Benchmark(Description = "request id: validate a client's")]
    public bool RequestIdValidate() => RequestIds.IsValid("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Benchmark(Description = "request id: make one")]
    public string RequestIdCreate() => RequestIds.Create();

    [Benchmark(Description = "upstream URL from raw target")]
    public string? UpstreamUrl() => UpstreamPath.TryBuild(_proxied, _airtable, "http://airtable-gateway:8002");

    [Benchmark(Description = "upstream URL, percent-escapes scrutinised")]
    public string? UpstreamUrlEscaped() => UpstreamPath.TryBuild(_escaped, _airtable, "http://airtable-gateway:8002");

    [Benchmark(Description = "upstream message: headers copied and filtered")]
    public int UpstreamMessage()
    {
        using var message = _forwarder.CreateMessage(_proxied, _airtable, "http://airtable-gateway:8002/bases/appX/tables", null);
        return message.Headers.NonValidated.Count;
    }

    [Benchmark(Description = "pipeline + routing to GET /livez")]
    public async Task<int> Livez()
    {
        var context = Request("/livez");
        context.Response.Body = Stream.Null;
        await _pipeline(context);
        return context.Response.StatusCode;
    }

    public void Dispose()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    /// <summary>A request as Kestrel hands it over: raw target, a browser-like header set, a client key.</summary>
    private static DefaultHttpContext Request(string rawTarget)
    {
        var context = new DefaultHttpContext();
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var request = context.Request;
        request.Method = HttpMethods.Get;
        request.Scheme = "http";
        request.Host = new HostString("gateway.example:8000");
        request.Path = new PathString(Uri.UnescapeDataString(query < 0 ? rawTarget : rawTarget[..query]));
        request.QueryString = query < 0 ? QueryString.Empty : new QueryString(rawTarget[query..]);
        context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = rawTarget;
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("10.1.2.3");
        var headers = request.Headers;
        headers.Host = "gateway.example:8000";
        headers.Accept = "application/json";
        headers.AcceptEncoding = "gzip, deflate, br";
        headers.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
        headers.Connection = "keep-alive";
        headers["X-API-Key"] = "bench-key-123";
        headers["X-Request-ID"] = "0f8fad5b-d9cb-469f-a165-70867728950e";
        headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        return context;
    }
}
