using System.Globalization;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Starts the two proxies under test as child processes, configured for the same upstream.</summary>
internal sealed class ProxyLauncher(LoadOptions options, IReadOnlyList<Uri> upstreams)
{
    /// <summary>High enough never to trip during a run, low enough to fit any integer type the gateway may use.</summary>
    private const string UnreachableRateLimit = "100000000";

    /// <summary>Readiness probe: the service-info route needs no credentials and no upstream.</summary>
    public const string ReadyPath = "/";

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public ProxyProcess StartGateway(int? cpu) => StartGateway("gateway", options.GatewayDll, cpu);

    private ProxyProcess StartGateway(string name, string dll, int? cpu)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Gateway assembly not found at {dll} (build in Release, or pass --gateway-dll / --gateway2-dll).");
        }

        var port = ProxyProcess.FreePort();
        var upstreamUrl = string.Join(',', upstreams.Select(static u => u.ToString().TrimEnd('/')));
        var environment = new Dictionary<string, string>
        {
            ["API_KEY"] = RequestTemplate.ApiKey,
            ["AIRTABLE_GATEWAY_URL"] = upstreamUrl,
            ["MCP_SERVER_URL"] = upstreamUrl,
            ["LLM_ORCHESTRATOR_URL"] = upstreamUrl,
            ["RATE_LIMIT_PER_MINUTE"] = UnreachableRateLimit,
            ["CHAT_RATE_LIMIT_PER_MINUTE"] = UnreachableRateLimit,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        // The gateway runs with the GC settings compiled into it; the log level as it ships unless told otherwise.
        AddLogLevels(environment, options.GatewayLogLevel);
        return ProxyProcess.Start(
            name, dll, ["--urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")], environment, port, cpu);
    }

    public ProxyProcess StartYarp(int? cpu) => StartBaseline("yarp", "yarp-proxy", cpu);

    /// <summary>The floor: the least a Kestrel + HttpClient proxy can cost (see FloorProxyCommand).</summary>
    public ProxyProcess StartFloor(int? cpu) => StartBaseline("floor", "floor-proxy", cpu);

    public ProxyProcess Start(string name, int? cpu) => name switch
    {
        "gateway" => StartGateway(cpu),
        "gateway2" => StartGateway("gateway2", options.Gateway2Dll!, cpu),
        "gateway-cached" => StartGateway("gateway-cached", options.GatewayDll, cpu),
        "yarp" => StartYarp(cpu),
        "floor" => StartFloor(cpu),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a proxy target."),
    };

    private ProxyProcess StartBaseline(string name, string command, int? cpu)
    {
        var port = ProxyProcess.FreePort();
        var self = Path.Combine(AppContext.BaseDirectory, "Gateway.Benchmarks.dll");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        AddLogLevels(environment, options.ProxyLogLevel);
        if (options.Gen0Size is { } gen0)
        {
            environment["DOTNET_GCgen0size"] = gen0;
            environment["DOTNET_GCGen0MaxBudget"] = gen0;
        }

        if (options.BaselineInline)
        {
            environment[HostingExtensions.InlineCompletionsVariable] = "1";
        }

        return ProxyProcess.Start(
            name,
            self,
            [command, "--port", port.ToString(CultureInfo.InvariantCulture), "--upstream", string.Join(',', upstreams)],
            environment,
            port,
            cpu);
    }

    /// <summary>A minimum log level for every category a proxy may configure, or nothing for "default" (its own configuration).</summary>
    private static void AddLogLevels(Dictionary<string, string> environment, string level)
    {
        if (string.Equals(level, "default", StringComparison.OrdinalIgnoreCase))
        {
            // Measure the shipped logging configuration as it is.
            return;
        }

        foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.Hosting.Lifetime", "System.Net.Http", "PyAirtable", "PyAirtable.Gateway", "PyAirtable.Gateway.Forwarding.HttpForwarder", "PyAirtable.Gateway.AccessLog", "Yarp" })
        {
            environment[$"Logging__LogLevel__{category}"] = level;
        }
    }
}
