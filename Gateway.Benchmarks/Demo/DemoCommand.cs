using PyAirtable.Gateway.Benchmarks.Common;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;

namespace PyAirtable.Gateway.Benchmarks.Demo;

/// <summary>
/// <c>demo</c>: the three emulated PyAirtable services and the real gateway (in-process) on the
/// contract's default ports, until Ctrl+C.
/// </summary>
internal static class DemoCommand
{
    private const string DefaultApiKey = "demo-key";

    public static async Task<int> RunAsync(string[] args)
    {
        int gatewayPort, airtablePort, mcpPort, llmPort;
        bool withGateway;
        try
        {
            var options = new OptionReader(args, new HashSet<string> { "no-gateway" });
            gatewayPort = options.Int("gateway-port", 8000);
            mcpPort = options.Int("mcp-port", 8001);
            airtablePort = options.Int("airtable-port", 8002);
            llmPort = options.Int("llm-port", 8003);
            withGateway = !options.Flag("no-gateway");
            options.ThrowOnUnknown();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Options: --gateway-port 8000 --mcp-port 8001 --airtable-port 8002 --llm-port 8003 --no-gateway");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var services = new List<(string Name, WebApplication App)>
        {
            ("airtable-gateway", EmulatedServiceHost.Create(EmulatedServiceKind.AirtableGateway, airtablePort)),
            ("mcp-server", EmulatedServiceHost.Create(EmulatedServiceKind.McpServer, mcpPort)),
            ("llm-orchestrator", EmulatedServiceHost.Create(EmulatedServiceKind.LlmOrchestrator, llmPort)),
        };

        var started = new List<WebApplication>();
        try
        {
            foreach (var (_, app) in services)
            {
                await app.StartAsync(stop.Token);
                started.Add(app);
                app.Lifetime.ApplicationStopping.Register(stop.Cancel);
            }

            var apiKey = Environment.GetEnvironmentVariable("API_KEY") is { Length: > 0 } key ? key : DefaultApiKey;
            if (withGateway)
            {
                var gateway = CreateGateway(gatewayPort, apiKey, airtablePort, mcpPort, llmPort);
                await gateway.StartAsync(stop.Token);
                started.Add(gateway);
                gateway.Lifetime.ApplicationStopping.Register(stop.Cancel);
            }

            PrintBanner(services, withGateway, gatewayPort, apiKey);
            await WaitForCancellationAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Could not start: {e.Message} (is a port taken? see --help of demo)");
            return 1;
        }
        finally
        {
            foreach (var app in Enumerable.Reverse(started))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await app.StopAsync(timeout.Token);
                await app.DisposeAsync();
            }
        }

        Console.WriteLine("Stopped.");
        return 0;
    }

    /// <summary>The real gateway, configured through the contract's flat environment names.</summary>
    private static WebApplication CreateGateway(int port, string apiKey, int airtablePort, int mcpPort, int llmPort)
    {
        Environment.SetEnvironmentVariable("API_KEY", apiKey);
        Environment.SetEnvironmentVariable("AIRTABLE_GATEWAY_URL", $"http://127.0.0.1:{airtablePort}");
        Environment.SetEnvironmentVariable("MCP_SERVER_URL", $"http://127.0.0.1:{mcpPort}");
        Environment.SetEnvironmentVariable("LLM_ORCHESTRATOR_URL", $"http://127.0.0.1:{llmPort}");
        return global::Program.CreateApp(["--urls", $"http://127.0.0.1:{port}"]);
    }

    private static void PrintBanner(List<(string Name, WebApplication App)> services, bool withGateway, int gatewayPort, string apiKey)
    {
        Console.WriteLine();
        Console.WriteLine("Emulated PyAirtable services:");
        foreach (var (name, app) in services)
        {
            Console.WriteLine($"  {name,-18} {EmulatedServiceHost.BoundAddress(app)}");
        }

        if (!withGateway)
        {
            Console.WriteLine();
            Console.WriteLine("Gateway not started (--no-gateway). Press Ctrl+C to stop.");
            return;
        }

        var g = $"http://127.0.0.1:{gatewayPort}";
        Console.WriteLine($"  {"gateway",-18} {g}/  (API key: {apiKey})");
        Console.WriteLine();
        Console.WriteLine("Try:");
        Console.WriteLine($"  curl -s {g}/api/health");
        Console.WriteLine($"  curl -i -H 'X-API-Key: {apiKey}' '{g}/api/airtable/bases/appDemo123/tables?view=Grid%20view&fields%5B%5D=Name'");
        Console.WriteLine($"  curl -N -H 'X-API-Key: {apiKey}' -H 'Content-Type: application/json' -d '{{\"message\":\"List my bases\",\"session_id\":\"s1\"}}' {g}/api/chat");
        Console.WriteLine($"  curl -s -H 'X-API-Key: {apiKey}' {g}/api/tools");
        Console.WriteLine($"  API documentation: {g}/docs  (OpenAPI: {g}/openapi.json, {g}/openapi/v2.json)");
        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop.");
    }

    private static async Task WaitForCancellationAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => done.TrySetResult());
        await done.Task;
    }
}
