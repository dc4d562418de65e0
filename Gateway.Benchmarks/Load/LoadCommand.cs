using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// <c>load</c>: a fast upstream (in this process), the gateway and YARP (child processes), then
/// direct, gateway and YARP driven in turn with the same load generator, interleaved over rounds.
/// </summary>
internal static class LoadCommand
{
    private const string ProxyPrefix = "/api/airtable";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["help"] || args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(LoadOptions.Help);
            return 0;
        }

        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(LoadOptions.Help);
            return 2;
        }

        if (HarnessGc.NeedsRelaunch(options.HarnessGen0Size, Environment.GetEnvironmentVariable))
        {
            return await HarnessGc.RelaunchAsync(args, options.HarnessGen0Size!);
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        try
        {
            return await RunAsync(options, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            ProgressLine.Finish();
            Console.Error.WriteLine("Interrupted; child processes stopped.");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> RunAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        HarnessScheduling.Apply(options.HarnessInline);
        var upstreams = new List<WebApplication>();
        var instanceUris = new List<Uri>();
        for (var i = 0; i < options.Instances; i++)
        {
            var host = EmulatedServiceHost.Create(EmulatedServiceKind.BenchUpstream, 0, LogLevel.Warning, options.HarnessInline);
            upstreams.Add(host);
            await host.StartAsync(cancellationToken);
            instanceUris.Add(EmulatedServiceHost.BoundAddress(host));
        }

        var upstreamUri = instanceUris[0];
        var deadUris = new List<Uri>();
        for (var i = 0; i < options.DeadInstances; i++)
        {
            deadUris.Add(new Uri($"http://127.0.0.1:{ProxyProcess.FreePort()}/"));
        }

        Console.WriteLine($"Upstream (in this process): {string.Join(", ", instanceUris)}{(deadUris.Count > 0 ? $"; refusing: {string.Join(", ", deadUris)}" : "")}");

        var pinning = "off";
        int? proxyCpu = null;
        if (options.Pin)
        {
            if (CpuPinning.Possible)
            {
                pinning = $"proxies on CPU {CpuPinning.ProxyCpu}, load generator + upstream on CPU {CpuPinning.HarnessCpu} ({CpuPinning.PinCurrentProcess(CpuPinning.HarnessCpu)})";
                proxyCpu = CpuPinning.ProxyCpu;
            }
            else
            {
                pinning = "requested but impossible (one CPU, no taskset)";
            }
        }

        Console.WriteLine($"Pinning: {pinning}");
        var launcher = new ProxyLauncher(options, [.. instanceUris, .. deadUris]);
        var path = options.UpstreamPath;
        var upstreamEndpoint = new IPEndPoint(IPAddress.Loopback, upstreamUri.Port);

        var curves = new List<WarmupCurveResult>();
        if (options.WarmupCurve)
        {
            var connections = options.Connections.Max();
            foreach (var name in options.Targets.Where(t => t != "direct"))
            {
                Func<ProxyProcess> start = () => launcher.Start(name, CpuPinning.ProxyCpu);
                var request = Request(options, ProxyPrefix + path);
                curves.Add(await WarmupCurve.MeasureAsync(name, start, request, ProxyPrefix + path, connections, options.WarmupCurveSeconds, cancellationToken));
            }
        }

        var processes = new List<ProxyProcess>();
        try
        {
            var targets = new List<LoadTarget>();
            foreach (var name in options.Targets)
            {
                targets.Add(name switch
                {
                    "direct" => new LoadTarget("direct", upstreamEndpoint, path, Request(options, path), null),
                    "gateway-cached" => StartProxy(name, cpu => launcher.Start(name, cpu), proxyCpu, options, CacheablePath(path), processes),
                    _ => StartProxy(name, cpu => launcher.Start(name, cpu), proxyCpu, options, path, processes),
                });
            }

            foreach (var target in targets)
            {
                await PrepareAsync(target, cancellationToken);
            }

            var segments = new List<SegmentResult>();
            var modes = new List<double>();
            if (options.Closed)
            {
                modes.Add(0);
            }

            if (options.Open)
            {
                modes.Add(options.Rate);
            }

            var runnable = targets.Where(t => t.Unavailable is null).ToList();
            foreach (var rate in modes)
            {
                foreach (var connections in options.Connections)
                {
                    segments.AddRange(await RunSeriesAsync(runnable, connections, rate, options, cancellationToken));
                }
            }

            foreach (var target in runnable)
            {
                // A proxy that died during the run: its numbers would belong to whatever answered on its port.
                if (target.Process?.ExitReason is { } reason)
                {
                    target.Unavailable = reason.Split(Environment.NewLine)[0];
                    Console.Error.WriteLine(reason);
                }
            }

            var rows = Summarize(targets, segments, modes, options);
            var report = new LoadReport(options, rows, curves, pinning);
            report.WriteConsole(Console.Out);
            await report.WriteFilesAsync(options.OutputDirectory);
            Console.WriteLine();
            Console.WriteLine($"Written: {Path.GetFullPath(Path.Combine(options.OutputDirectory, "load-results.json"))} and load-results.md");

            var failed = rows.Any(r => r.Unavailable is not null || r.Errors > 0) || curves.Any(c => c.Unavailable is not null || c.Errors > 0);
            if (failed)
            {
                Console.Error.WriteLine("Some requests failed or a target was unavailable (see above).");
            }

            return failed ? 1 : 0;
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }

            foreach (var host in upstreams)
            {
                await host.StopAsync(CancellationToken.None);
                await host.DisposeAsync();
            }
        }
    }

    private static LoadTarget StartProxy(
        string name, Func<int?, ProxyProcess> start, int? cpu, LoadOptions options, string path, List<ProxyProcess> processes)
    {
        var process = start(cpu);
        processes.Add(process);
        var proxyPath = ProxyPrefix + path;
        return new LoadTarget(name, new IPEndPoint(IPAddress.Loopback, process.Port), proxyPath, Request(options, proxyPath), process);
    }

    /// <summary>The same request with the bench upstream asked to mark its answer cacheable (<c>public, max-age=3600</c>).</summary>
    private static string CacheablePath(string path) => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "max-age=3600";

    private static byte[] Request(LoadOptions options, string pathAndQuery) =>
        RequestTemplate.Encode(options.Method, pathAndQuery, "127.0.0.1", options.Body);

    /// <summary>Waits for a proxy to start and checks one request gets a 2xx, or marks the target unavailable with the reason.</summary>
    private static async Task PrepareAsync(LoadTarget target, CancellationToken cancellationToken)
    {
        try
        {
            if (target.Process is { } process)
            {
                var ready = await process.WaitReadyAsync(ProxyLauncher.ReadyPath, ProxyLauncher.StartTimeout, cancellationToken);
                Console.WriteLine($"{target.Name,-8} pid {process.Pid}, http://127.0.0.1:{process.Port}, ready after {ready.TotalSeconds:F2} s");
            }

            using var connection = await LoadConnection.OpenAsync(target.Endpoint, cancellationToken);
            var status = await connection.ExchangeAsync(target.Request, cancellationToken);
            if (target.Process?.ExitReason is { } reason)
            {
                throw new InvalidOperationException(reason);
            }

            if (status is < 200 or > 299)
            {
                target.Unavailable = $"probe request {target.PathAndQuery} answered HTTP {status}";
                if (status == 404 && target.Name == "gateway")
                {
                    target.Unavailable += " (does this gateway build route /api/airtable/{**path} yet?)";
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or InvalidDataException or FileNotFoundException
                                      or System.Net.Sockets.SocketException)
        {
            target.Unavailable = e.Message.Split(Environment.NewLine)[0];
            if (target.Process is { } process)
            {
                Console.Error.WriteLine($"{target.Name} output:{Environment.NewLine}{process.OutputTail()}");
            }
        }

        if (target.Unavailable is not null)
        {
            Console.Error.WriteLine($"{target.Name}: unavailable: {target.Unavailable}");
        }
    }

    /// <summary>Warm-up for every target, then the measured rounds, targets interleaved and rotated each round.</summary>
    private static async Task<List<SegmentResult>> RunSeriesAsync(
        List<LoadTarget> targets, int connections, double rate, LoadOptions options, CancellationToken cancellationToken)
    {
        var mode = rate > 0 ? string.Create(CultureInfo.InvariantCulture, $"open {rate:0}/s") : "closed";
        var segments = new List<SegmentResult>();
        if (options.WarmupSeconds > 0)
        {
            foreach (var target in targets)
            {
                await WarmConnectionSetupAsync(target, cancellationToken);
                await LoadGenerator.RunAsync(
                    target, connections, TimeSpan.FromSeconds(options.WarmupSeconds), rate, new ProgressLine($"{target.Name} c={connections} {mode} warm-up"), cancellationToken);
            }
        }

        var proxies = targets.Where(static t => t.Process is not null).ToList();
        var proxyCpu = proxies
            .Select(static t => (Func<double?>)(() => t.Process!.ReadStats()?.CpuSeconds))
            .ToList();
        if (options.WarmupSeconds > 0)
        {
            // Every measured segment starts after an idle spell (the other targets' turns, the settling), and resuming
            // runs code a steady load never does, e.g. the client's check of pooled connections that sat idle: a short
            // second warm-up, after the same settling, gets it compiled before the first round instead of during it.
            foreach (var target in targets)
            {
                await SettleAsync(proxyCpu, target, cancellationToken);
                await LoadGenerator.RunAsync(
                    target, connections, TimeSpan.FromSeconds(Math.Min(2, options.WarmupSeconds)), rate, new ProgressLine($"{target.Name} c={connections} {mode} warm-up after idle"), cancellationToken);
            }
        }

        for (var round = 0; round < options.Rounds; round++)
        {
            for (var i = 0; i < targets.Count; i++)
            {
                var target = targets[(i + round) % targets.Count];
                await SettleAsync(proxyCpu, target, cancellationToken);
                // Every proxy's CPU before and after: the measured one's is its cost, the others' their interference.
                var measured = proxies.IndexOf(target);
                var before = ProxySettle.Sample(proxyCpu);
                var segment = await LoadGenerator.RunAsync(
                    target,
                    connections,
                    TimeSpan.FromSeconds(options.DurationSeconds),
                    rate,
                    new ProgressLine($"{target.Name} c={connections} {mode} round {round + 1}/{options.Rounds}"),
                    cancellationToken);
                var after = ProxySettle.Sample(proxyCpu);
                if (measured >= 0 && before[measured] is { } b && after[measured] is { } a)
                {
                    segment.ProxyCpuSeconds = a - b;
                }

                foreach (var (index, cpuSeconds) in ProxySettle.Interfering(before, after, measured, segment.Elapsed))
                {
                    ProgressLine.Finish();
                    Console.Error.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"  note: {proxies[index].Name} used {cpuSeconds:0.00} s of CPU during {target.Name}'s round {round + 1} (c={connections}); with --pin the proxies share one core"));
                }

                segments.Add(segment);
            }
        }

        ProgressLine.Finish();
        return segments;
    }

    private static async Task SettleAsync(List<Func<double?>> proxyCpu, LoadTarget next, CancellationToken cancellationToken)
    {
        if (proxyCpu.Count > 0
            && await ProxySettle.WaitAsync(proxyCpu, ProxySettle.Window, ProxySettle.QuietWindows, ProxySettle.MaxWindows, cancellationToken) is null)
        {
            ProgressLine.Finish();
            Console.Error.WriteLine(
                $"  note: a proxy was still busy after {(ProxySettle.Window * ProxySettle.MaxWindows).TotalSeconds:0} s; running {next.Name} anyway");
        }
    }

    /// <summary>
    /// Connections opened one after another, one request each: every segment opens its connections afresh, so a warm-up
    /// of one segment would run a proxy's accept and connection set-up code only as many times as it has connections,
    /// short of the runtime's 30 calls before tier-1 compilation, which then ran at the start of the first round.
    /// </summary>
    private static async Task WarmConnectionSetupAsync(LoadTarget target, CancellationToken cancellationToken)
    {
        const int Connections = 100;
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                using var connection = await LoadConnection.OpenAsync(target.Endpoint, cancellationToken);
                await connection.ExchangeAsync(target.Request, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Net.Sockets.SocketException)
        {
            // Counted where it matters: the warm-up and the rounds that follow meet the same failure and report it.
        }
    }

    private static List<TargetSummary> Summarize(List<LoadTarget> targets, List<SegmentResult> segments, List<double> modes, LoadOptions options)
    {
        static double Ms(long nanoseconds) => nanoseconds / 1e6;
        var rows = new List<TargetSummary>();
        foreach (var rate in modes)
        {
            foreach (var connections in options.Connections)
            {
                var group = new List<TargetSummary>();
                foreach (var target in targets)
                {
                    var mode = rate > 0 ? "open" : "closed";
                    if (target.Unavailable is not null)
                    {
                        group.Add(new TargetSummary { Target = target.Name, Mode = mode, Connections = connections, Rate = rate, Unavailable = target.Unavailable });
                        continue;
                    }

                    var mine = segments.Where(s => s.Target == target.Name && s.Connections == connections && s.Rate == rate).ToList();
                    var latency = new LatencyHistogram();
                    var service = new LatencyHistogram();
                    foreach (var s in mine)
                    {
                        latency.Add(s.Latency);
                        service.Add(s.ServiceTime);
                    }

                    var requests = mine.Sum(s => s.Requests);
                    var seconds = mine.Sum(s => s.Elapsed.TotalSeconds);
                    double? cpu = mine.All(s => s.ProxyCpuSeconds is not null) && target.Process is not null ? mine.Sum(s => s.ProxyCpuSeconds!.Value) : null;
                    var stats = target.Process?.ReadStats();
                    group.Add(new TargetSummary
                    {
                        Target = target.Name,
                        Mode = mode,
                        Connections = connections,
                        Rate = rate,
                        Requests = requests,
                        RequestsPerSecond = seconds > 0 ? requests / seconds : 0,
                        P50Ms = Ms(latency.ValueAtPercentile(50)),
                        P90Ms = Ms(latency.ValueAtPercentile(90)),
                        P99Ms = Ms(latency.ValueAtPercentile(99)),
                        P999Ms = Ms(latency.ValueAtPercentile(99.9)),
                        MaxMs = Ms(latency.MaxNanoseconds),
                        MeanMs = latency.MeanNanoseconds / 1e6,
                        ServiceP50Ms = rate > 0 ? Ms(service.ValueAtPercentile(50)) : null,
                        ServiceP99Ms = rate > 0 ? Ms(service.ValueAtPercentile(99)) : null,
                        Non2xx = mine.Sum(s => s.Non2xx),
                        SocketErrors = mine.Sum(s => s.SocketErrors),
                        LastError = mine.Select(s => s.LastError).FirstOrDefault(e => e is not null),
                        PeakRssMiB = stats is { } st ? st.PeakRssBytes / (1024.0 * 1024.0) : null,
                        CpuSeconds = cpu,
                        CpuMicrosecondsPerRequest = cpu is { } c && requests > 0 ? c * 1e6 / requests : null,
                        RoundRequestsPerSecond = [.. mine.Select(s => Math.Round(s.RequestsPerSecond, 1))],
                    });
                }

                var direct = group.FirstOrDefault(r => r.Target == "direct" && r.Unavailable is null);
                var yarp = group.FirstOrDefault(r => r.Target == "yarp" && r.Unavailable is null);
                foreach (var row in group)
                {
                    rows.Add(row.Unavailable is not null ? row : row with
                    {
                        AddedP50MsVsDirect = direct is null ? null : row.P50Ms - direct.P50Ms,
                        ThroughputVsYarp = yarp is null || yarp.RequestsPerSecond <= 0 ? null : row.RequestsPerSecond / yarp.RequestsPerSecond,
                        RoundsVsYarp = yarp is null || ReferenceEquals(row, yarp) ? null : RoundRatio.Of(row.RoundRequestsPerSecond, yarp.RoundRequestsPerSecond),
                    });
                }
            }
        }

        return rows;
    }
}
