using PyAirtable.Gateway.Benchmarks.Common;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Options of the <c>load</c> command (see README.md).</summary>
internal sealed record LoadOptions
{
    public const string Help = """
        load [options]
          --duration S            measured seconds per target per round (10; quick 1)
          --warmup S              unmeasured seconds per target before the first round (30; quick 1): YARP's JIT needs
                                  ~25 s on one core to reach full speed, so shorter runs measure it still warming up
          --rounds N              rounds; targets are interleaved and their order rotates each round (3; quick 1)
          --connections 1,32      connection counts to run, comma-separated (1,32; quick 1,16)
          --mode closed|open|both closed loop (max throughput), open loop (constant --rate), or both (closed; open if only --rate given)
          --rate R                open-loop requests per second over all connections (1000)
          --payload BYTES         size of the upstream's JSON answer for GET /bench/json (1024)
          --body BYTES            send POST /bench/echo with a body of this size instead of the GET
          --path /p?q             upstream-relative path to request instead (the proxies get /api/airtable + path)
          --targets a,b,c         which of direct,gateway,gateway-cached,yarp,floor,gateway2 to run (direct,gateway,yarp);
                                  floor is the least a Kestrel + HttpClient proxy can cost (one middleware, no routing
                                  or features); gateway2 is a second gateway build (--gateway2-dll), measured in the
                                  same run; gateway-cached is the gateway with the upstream's answer cacheable
                                  (public, max-age=3600): every measured request is a cache hit
          --pin                   proxies on CPU 0, load generator and upstream on CPU 1 (taskset, or ProcessorAffinity)
          --warmup-curve          also measure time to steady throughput after a cold start on one core (gateway, yarp)
          --warmup-curve-seconds  length of each warm-up curve (60; quick 10)
          --out DIR               where load-results.json and load-results.md go (artifacts/load)
          --instances N           upstream instances behind both proxies (1); the gateway balances over them, so does YARP
          --dead-instances N      also list N instances that refuse connections (0): an instance failure, as both proxies meet it
          --gateway-dll PATH      the gateway to run: Gateway.dll (next to this program by default) or a native AOT executable
          --gateway2-dll PATH     the build the gateway2 target runs (required with it), to compare two builds in one run
          --gen0size HEX          DOTNET_GCgen0size and DOTNET_GCGen0MaxBudget for YARP and the floor (100000 = 1 MiB, the
                                  budget compiled into the gateway, which runs with its own GC settings);
                                  'none' leaves the runtime's default (a gen0 budget sized from the CPU cache)
          --harness-gen0size HEX  DOTNET_GCgen0size and DOTNET_GCGen0MaxBudget for this harness itself (8000000 = 128 MiB):
                                  the load generator and the fast upstream share it, and each of its gen0 pauses holds
                                  the requests in flight to every target alike; set, the harness starts itself again
                                  with them; 'none' keeps the runtime's default
          --proxy-log-level L     minimum log level of YARP and the floor (Warning); 'default' keeps their own configuration
          --gateway-log-level L   minimum log level of the gateway ('default': as it ships, access log on; Warning: no
                                  per-request line)
          --harness-scheduling M  inline or pool: how the load generator and the fast upstream (both in this process) run
                                  their socket work: on the socket event thread (inline), or handed to the thread pool
                                  (pool, this harness before 2026-11-27: slower, noisier, and the bottleneck at 32
                                  connections) (inline)
          --baseline-inline       give YARP and the floor the gateway's inline scheduling too (Kestrel's
                                  UnsafePreferInlineScheduling and DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1)
          --quick                 a few seconds in all, for a smoke run; exits non-zero on any error
        """;

    public double DurationSeconds { get; init; } = 10;

    public double WarmupSeconds { get; init; } = 30;

    public int Rounds { get; init; } = 3;

    /// <summary>Live upstream instances behind the proxies.</summary>
    public int Instances { get; init; } = 1;

    /// <summary>Listed instances that refuse connections.</summary>
    public int DeadInstances { get; init; }

    public int[] Connections { get; init; } = [1, 32];

    public bool Closed { get; init; } = true;

    public bool Open { get; init; }

    public double Rate { get; init; } = 1000;

    public int Payload { get; init; } = JsonPayloadCache.DefaultSize;

    public int Body { get; init; }

    public string? Path { get; init; }

    public string[] Targets { get; init; } = ["direct", "gateway", "yarp"];

    public bool Pin { get; init; }

    public bool WarmupCurve { get; init; }

    public int WarmupCurveSeconds { get; init; } = 60;

    public string OutputDirectory { get; init; } = System.IO.Path.Combine("artifacts", "load");

    public string GatewayDll { get; init; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Gateway.dll");

    /// <summary>A second gateway build for the <c>gateway2</c> target, run with the same settings as the first.</summary>
    public string? Gateway2Dll { get; init; }

    /// <summary>Minimum log level of the baselines (YARP, the floor), or "default" for their own configuration.</summary>
    public string ProxyLogLevel { get; init; } = "Warning";

    /// <summary>Minimum log level of the gateway, or "default" (the harness's default) for its shipped configuration: access log on.</summary>
    public string GatewayLogLevel { get; init; } = "default";

    /// <summary>The gen0 budget compiled into the gateway (Gateway.csproj: System.GC.Gen0MaxBudget), 1 MiB, in hexadecimal: the baselines' default.</summary>
    public const string ImageGen0Size = "100000";

    /// <summary>DOTNET_GCgen0size and DOTNET_GCGen0MaxBudget (hexadecimal bytes) for the baselines, or null for the runtime's defaults.</summary>
    public string? Gen0Size { get; init; } = ImageGen0Size;

    /// <summary>The harness's own gen0 budget (<see cref="HarnessGc"/>): 128 MiB, so it rarely collects under load.</summary>
    public const string DefaultHarnessGen0Size = "8000000";

    /// <summary>DOTNET_GCgen0size and DOTNET_GCGen0MaxBudget (hexadecimal bytes) for the harness itself, or null for the runtime's defaults.</summary>
    public string? HarnessGen0Size { get; init; } = DefaultHarnessGen0Size;

    /// <summary>
    /// The load generator and the fast upstream run their socket work on the socket event thread (inline socket
    /// completions, Kestrel's inline scheduling) rather than through the thread pool.
    /// </summary>
    public bool HarnessInline { get; init; } = true;

    /// <summary>The baselines run with the gateway's inline socket scheduling instead of their defaults.</summary>
    public bool BaselineInline { get; init; }

    public bool Quick { get; init; }

    /// <summary>The upstream-relative request target.</summary>
    public string UpstreamPath => Path ?? (Body > 0 ? "/bench/echo" : $"/bench/json?size={Payload}");

    public string Method => Body > 0 ? "POST" : "GET";

    public static LoadOptions Parse(string[] args)
    {
        var o = new OptionReader(args, new HashSet<string> { "pin", "quick", "warmup-curve", "baseline-inline" });
        var quick = o.Flag("quick");
        var mode = o.String("mode");
        var harnessScheduling = o.String("harness-scheduling", "inline");
        var rateGiven = o.String("rate") is not null;
        var targets = (o.String("targets") ?? "direct,gateway,yarp")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var t in targets)
        {
            if (t is not ("direct" or "gateway" or "gateway-cached" or "yarp" or "floor" or "gateway2"))
            {
                throw new ArgumentException($"Unknown target '{t}' (expected direct, gateway, gateway-cached, yarp, floor, gateway2).");
            }
        }

        var gateway2 = o.String("gateway2-dll");
        if (targets.Contains("gateway2") && gateway2 is null)
        {
            throw new ArgumentException("The gateway2 target needs --gateway2-dll PATH.");
        }

        var options = new LoadOptions
        {
            Quick = quick,
            DurationSeconds = o.Double("duration", quick ? 1 : 10),
            WarmupSeconds = o.Double("warmup", quick ? 1 : 30),
            Rounds = o.Int("rounds", quick ? 1 : 3),
            Connections = o.IntList("connections", quick ? [1, 16] : [1, 32]),
            Closed = mode is null ? !rateGiven : mode is "closed" or "both",
            Open = mode is null ? rateGiven : mode is "open" or "both",
            Rate = o.Double("rate", 1000),
            Payload = o.Int("payload", JsonPayloadCache.DefaultSize),
            Body = o.Int("body", 0),
            Path = o.String("path"),
            Targets = targets,
            Pin = o.Flag("pin"),
            WarmupCurve = o.Flag("warmup-curve"),
            WarmupCurveSeconds = o.Int("warmup-curve-seconds", quick ? 10 : 60),
            OutputDirectory = o.String("out", System.IO.Path.Combine("artifacts", "load")),
            GatewayDll = System.IO.Path.GetFullPath(o.String("gateway-dll", System.IO.Path.Combine(AppContext.BaseDirectory, "Gateway.dll"))),
            Gateway2Dll = gateway2 is null ? null : System.IO.Path.GetFullPath(gateway2),
            ProxyLogLevel = o.String("proxy-log-level", "Warning"),
            GatewayLogLevel = o.String("gateway-log-level", "default"),
            Gen0Size = ParseGen0Size("gen0size", o.String("gen0size", ImageGen0Size)!),
            HarnessGen0Size = ParseGen0Size("harness-gen0size", o.String("harness-gen0size", DefaultHarnessGen0Size)!),
            HarnessInline = harnessScheduling == "inline",
            BaselineInline = o.Flag("baseline-inline"),
            Instances = o.Int("instances", 1),
            DeadInstances = o.Int("dead-instances", 0),
        };
        o.ThrowOnUnknown();
        if (mode is not (null or "closed" or "open" or "both"))
        {
            throw new ArgumentException($"--mode expects closed, open or both, got '{mode}'.");
        }

        if (harnessScheduling is not ("inline" or "pool"))
        {
            throw new ArgumentException($"--harness-scheduling expects inline or pool, got '{harnessScheduling}'.");
        }

        if (options.Open && options.Rate <= 0)
        {
            throw new ArgumentException("--rate must be positive for the open loop.");
        }

        if (options.Path is { } path && !path.StartsWith('/'))
        {
            throw new ArgumentException("--path must start with '/'.");
        }

        if (options.DurationSeconds <= 0 || options.DurationSeconds > 600 || options.WarmupSeconds > 600)
        {
            throw new ArgumentException("--duration must be in (0, 600] seconds and --warmup at most 600.");
        }

        if (options.Connections.Max() > 4096)
        {
            throw new ArgumentException("--connections: at most 4096.");
        }

        if (options.Payload is < 2 or > JsonPayloadCache.MaxSize || options.Body > JsonPayloadCache.MaxSize)
        {
            throw new ArgumentException(
                $"--payload must be between 2 and {JsonPayloadCache.MaxSize} bytes and --body at most {JsonPayloadCache.MaxSize}, got {options.Payload} and {options.Body}.");
        }

        if (options.Rounds is < 1 or > 100)
        {
            throw new ArgumentException($"--rounds must be between 1 and 100, got {options.Rounds}.");
        }

        if (options.WarmupCurveSeconds is < 3 or > 600)
        {
            throw new ArgumentException($"--warmup-curve-seconds must be between 3 and 600, got {options.WarmupCurveSeconds}.");
        }

        if (options.Instances is < 1 or > 8 || options.DeadInstances > 8)
        {
            throw new ArgumentException(
                $"--instances must be between 1 and 8 and --dead-instances at most 8, got {options.Instances} and {options.DeadInstances}.");
        }

        return options;
    }

    /// <summary>A hexadecimal byte count for DOTNET_GCgen0size (the runtime reads it as hex, without 0x), or null for 'none'.</summary>
    private static string? ParseGen0Size(string option, string value)
    {
        if (string.Equals(value, "none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!ulong.TryParse(value, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var bytes) || bytes == 0)
        {
            throw new ArgumentException($"--{option} '{value}' is not a hexadecimal byte count (e.g. 200000 for 2 MiB) or 'none'.");
        }

        return value;
    }
}
