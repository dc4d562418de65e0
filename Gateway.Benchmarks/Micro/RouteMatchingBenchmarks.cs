using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Benchmarks.Micro;

/// <summary>
/// Endpoint routing over the route table's endpoints: the 6 built-in routes (18 endpoints with their version
/// prefixes, plus the 405 ones) against the same table with 500 configured routes added, for a request to a
/// built-in route with a parameter, to the catch-all route, and to a configured route. Only matching is measured:
/// a middleware after routing records the endpoint and answers nothing.
/// (BenchmarkDotNet needs the class public and unsealed.)
/// </summary>
[MemoryDiagnoser]
public class RouteMatchingBenchmarks : IDisposable
{
    private WebApplication _app = null!;
    private RequestDelegate _routing = null!;
    private DefaultHttpContext _session = null!;
    private DefaultHttpContext _airtable = null!;
    private DefaultHttpContext _configured = null!;

    /// <summary>Routes configured on top of the built-in ones.</summary>
    [Params(0, 500)]
    public int ConfiguredRoutes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0", "--API_KEY=bench-key-123", "--Logging:LogLevel:Default=None", "--Gateway:Health:IntervalSeconds=0",
            "--Gateway:Services:Bench:Url=http://127.0.0.1:9",
        };
        for (var i = 0; i < ConfiguredRoutes; i++)
        {
            args.Add($"--Gateway:Routes:r{i}:Path=/api/svc{i}/items/{{id}}/{{**rest}}");
            args.Add($"--Gateway:Routes:r{i}:Methods=GET,POST");
            args.Add($"--Gateway:Routes:r{i}:Service=Bench");
            args.Add($"--Gateway:Routes:r{i}:UpstreamPath=/items/{{id}}/{{rest}}");
        }

        _app = Program.CreateApp([.. args]);
        var source = _app.Services.GetRequiredService<RouteEndpointSource>();
        var routing = new ApplicationBuilder(_app.Services);
        routing.UseRouting();
        routing.Use(static _ => static context => Task.CompletedTask);
        routing.UseEndpoints(endpoints => endpoints.DataSources.Add(source));
        _routing = routing.Build();
        _session = Request("/api/v2/sessions/s-42/history");
        _airtable = Request("/api/airtable/bases/appX/tables/tblY/records");
        _configured = Request(ConfiguredRoutes > 0 ? $"/api/v1/svc{ConfiguredRoutes - 1}/items/42/a/b" : "/api/tools");
        foreach (var context in new[] { _session, _airtable, _configured })
        {
            Match(context).GetAwaiter().GetResult();
            if (context.GetEndpoint()?.Metadata.GetMetadata<GatewayRoute>() is null)
            {
                throw new InvalidOperationException($"{context.Request.Path} matched no route.");
            }
        }
    }

    [Benchmark(Description = "match /api/v2/sessions/{id}/history")]
    public Task Session() => Match(_session);

    [Benchmark(Description = "match /api/airtable/{**path}")]
    public Task Airtable() => Match(_airtable);

    [Benchmark(Description = "match the last configured route (or /api/tools)")]
    public Task Configured() => Match(_configured);

    public void Dispose()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    private Task Match(DefaultHttpContext context)
    {
        // Routing skips a request that already has an endpoint: forget the previous match.
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        return _routing(context);
    }

    private static DefaultHttpContext Request(string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = path;
        return context;
    }
}
