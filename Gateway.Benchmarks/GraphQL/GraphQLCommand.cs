using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Benchmarks.GraphQL;

/// <summary>
/// <c>graphql</c>: one screen's data (the tool list, a session's history, a table's records) fetched two ways through
/// the same gateway process, side by side: one GraphQL query of three fields, and the three REST calls a client makes
/// itself (concurrently, its best case). Reports latency per screen and the gateway's CPU per screen. The emulated
/// services run in this process; the gateway as its own (the JIT build unless <c>--gateway-dll</c> names another).
/// Response caching is off on the routes, so every screen reaches the services three times either way.
/// </summary>
internal static class GraphQLCommand
{
    private const string Query = """{"query":"{ tools { tools { name description } } sessionHistory(id: \"s1\") { sessionId messages { role content } } records(baseId: \"app1\", tableId: \"tbl1\") { records { id } offset } }"}""";

    private static readonly string[] RestPaths = ["/api/tools", "/api/sessions/s1/history", "/api/airtable/bases/app1/tables/tbl1/records"];

    public static async Task<int> RunAsync(string[] args)
    {
        var screens = Option(args, "--screens", 3000);
        var concurrency = Option(args, "--concurrency", 8);
        var rounds = Option(args, "--rounds", 3);
        var dll = OptionText(args, "--gateway-dll") ?? Path.Combine(AppContext.BaseDirectory, "Gateway.dll");

        await using var llm = EmulatedServiceHost.Create(EmulatedServiceKind.LlmOrchestrator, 0, LogLevel.None);
        await using var airtable = EmulatedServiceHost.Create(EmulatedServiceKind.AirtableGateway, 0, LogLevel.None);
        await llm.StartAsync();
        await airtable.StartAsync();
        var port = ProxyProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["API_KEY"] = RequestTemplate.ApiKey,
            ["AIRTABLE_GATEWAY_URL"] = EmulatedServiceHost.BoundAddress(airtable).ToString().TrimEnd('/'),
            ["LLM_ORCHESTRATOR_URL"] = EmulatedServiceHost.BoundAddress(llm).ToString().TrimEnd('/'),
            ["MCP_SERVER_URL"] = EmulatedServiceHost.BoundAddress(llm).ToString().TrimEnd('/'),
            ["RATE_LIMIT_PER_MINUTE"] = "100000000",
            ["Gateway__Routes__tools__Cache__Enabled"] = "false",
            ["Gateway__Routes__airtable__Cache__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__PyAirtable.Gateway.AccessLog"] = "Warning",
        };
        using var gateway = ProxyProcess.Start("gateway", dll, ["--urls", $"http://127.0.0.1:{port}"], environment, port, cpu: null);
        await gateway.WaitReadyAsync("/", TimeSpan.FromSeconds(60), CancellationToken.None);

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Add("X-API-Key", RequestTemplate.ApiKey);
        await WaitForSchemaAsync(client);

        Console.WriteLine($"graphql vs rest: {screens} screens x {rounds} rounds, {concurrency} concurrent clients, gateway {Path.GetFileName(dll)}");
        await RunModeAsync(client, gateway, GraphQLScreenAsync, screens / 3, concurrency); // warm-up, both
        await RunModeAsync(client, gateway, RestScreenAsync, screens / 3, concurrency);
        var results = new Dictionary<string, List<Result>> { ["graphql"] = [], ["rest"] = [] };
        for (var round = 0; round < rounds; round++)
        {
            results["graphql"].Add(await RunModeAsync(client, gateway, GraphQLScreenAsync, screens, concurrency));
            results["rest"].Add(await RunModeAsync(client, gateway, RestScreenAsync, screens, concurrency));
        }

        Console.WriteLine("| way | screens/s | p50 ms | p99 ms | gateway CPU ms per screen |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, list) in results)
        {
            var median = list.OrderBy(static r => r.CpuMsPerScreen).ElementAt(list.Count / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {median.PerSecond:F0} | {median.P50:F2} | {median.P99:F2} | {median.CpuMsPerScreen:F3} |"));
        }

        return 0;
    }

    private static async Task GraphQLScreenAsync(HttpClient client)
    {
        using var content = new StringContent(Query, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/graphql", content);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || body.Contains("\"errors\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"GraphQL answered {(int)response.StatusCode}: {body}");
        }
    }

    private static async Task RestScreenAsync(HttpClient client)
    {
        var calls = new Task[RestPaths.Length];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = GetAsync(client, RestPaths[i]);
        }

        await Task.WhenAll(calls);

        static async Task GetAsync(HttpClient client, string path)
        {
            using var response = await client.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task<Result> RunModeAsync(HttpClient client, ProxyProcess gateway, Func<HttpClient, Task> screen, int screens, int concurrency)
    {
        var latencies = new double[screens];
        var next = -1;
        var before = gateway.ReadStats();
        var started = Stopwatch.GetTimestamp();
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < screens)
                {
                    var t = Stopwatch.GetTimestamp();
                    await screen(client);
                    latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                }
            });
        }

        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var after = gateway.ReadStats();
        Array.Sort(latencies);
        var cpu = before is { } b && after is { } a ? (a.CpuSeconds - b.CpuSeconds) * 1000 / screens : double.NaN;
        return new Result(screens / elapsed, latencies[screens / 2], latencies[(int)(screens * 0.99)], cpu);
    }

    private static async Task WaitForSchemaAsync(HttpClient client)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                await GraphQLScreenAsync(client);
                return;
            }
            catch (InvalidOperationException)
            {
                await Task.Delay(200); // the gateway fetches the services' documents at start, then generates the schema
            }
        }

        throw new InvalidOperationException("The gateway's GraphQL schema never had the three fields.");
    }

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private readonly record struct Result(double PerSecond, double P50, double P99, double CpuMsPerScreen);
}
