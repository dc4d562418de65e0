using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Renders the results as a console table, Markdown and JSON.</summary>
internal sealed class LoadReport(LoadOptions options, IReadOnlyList<TargetSummary> rows, IReadOnlyList<WarmupCurveResult> curves, string pinning)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly string[] Header =
    [
        "target", "mode", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "+p50 vs direct", "x YARP",
        "x YARP by round", "errors", "peak RSS MiB", "CPU s", "CPU us/req",
    ];

    public string Machine { get; } = DescribeMachine();

    public void WriteConsole(TextWriter writer)
    {
        writer.WriteLine();
        writer.WriteLine($"Machine: {Machine}; pinning: {pinning}");
        writer.WriteLine($"Request: {options.Method} {options.UpstreamPath} (proxies: /api/airtable{options.UpstreamPath}); {options.Rounds} round(s) x {options.DurationSeconds:0.##} s per target, warm-up {options.WarmupSeconds:0.##} s; baselines' gen0 budget (DOTNET_GCgen0size, DOTNET_GCGen0MaxBudget) {options.Gen0Size ?? "default"}, gateway's compiled in; log level: gateway {options.GatewayLogLevel}, baselines {options.ProxyLogLevel}; baselines' scheduling {(options.BaselineInline ? "inline" : "default")}; harness (load generator + upstream) scheduling {(options.HarnessInline ? "inline" : "pool")}, gen0 budget {options.HarnessGen0Size ?? "default"}");
        var table = Cells();
        var widths = new int[Header.Length];
        foreach (var line in table)
        {
            for (var i = 0; i < line.Length; i++)
            {
                widths[i] = Math.Max(widths[i], line[i].Length);
            }
        }

        foreach (var (line, index) in table.Select((l, i) => (l, i)))
        {
            writer.WriteLine(string.Join("  ", line.Select((c, i) => i < 3 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))));
            if (index == 0)
            {
                writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        foreach (var row in rows.Where(r => r.Unavailable is not null || r.LastError is not null))
        {
            writer.WriteLine($"  {row.Target} ({row.Mode}, {row.Connections} conns): {row.Unavailable ?? row.LastError}");
        }

        WriteCurves(writer, markdown: false);
    }

    public async Task WriteFilesAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var json = new
        {
            generatedUtc = DateTime.UtcNow,
            machine = Machine,
            pinning,
            options = new
            {
                options.Method,
                path = options.UpstreamPath,
                options.DurationSeconds,
                options.WarmupSeconds,
                options.Rounds,
                options.Connections,
                options.Closed,
                options.Open,
                options.Rate,
                options.Payload,
                options.Body,
                options.Targets,
                options.Pin,
                options.Quick,
            },
            results = rows,
            warmupCurves = curves,
        };
        await File.WriteAllTextAsync(System.IO.Path.Combine(directory, "load-results.json"), JsonSerializer.Serialize(json, Json));

        var md = new StringBuilder();
        md.AppendLine("# Gateway load results").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Machine}; pinning: {pinning}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Request: `{options.Method} {options.UpstreamPath}` (proxies: `/api/airtable{options.UpstreamPath}`), {options.Rounds} round(s) x {options.DurationSeconds:0.##} s per target, warm-up {options.WarmupSeconds:0.##} s, baselines' gen0 budget (`DOTNET_GCgen0size`, `DOTNET_GCGen0MaxBudget`) {options.Gen0Size ?? "default"}, gateway's compiled in, log level: gateway {options.GatewayLogLevel}, baselines {options.ProxyLogLevel}, baselines' scheduling {(options.BaselineInline ? "inline" : "default")}, harness (load generator + upstream) scheduling {(options.HarnessInline ? "inline" : "pool")}, gen0 budget {options.HarnessGen0Size ?? "default"}, generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        var table = Cells();
        md.AppendLine("| " + string.Join(" | ", table[0]) + " |");
        md.AppendLine("|" + string.Concat(table[0].Select((_, i) => i < 3 ? " --- |" : " ---: |")));
        foreach (var line in table.Skip(1))
        {
            md.AppendLine("| " + string.Join(" | ", line) + " |");
        }

        var notes = rows.Where(r => r.Unavailable is not null || r.LastError is not null).ToList();
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var row in notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {row.Target} ({row.Mode}, {row.Connections} conns): {row.Unavailable ?? row.LastError}");
            }
        }

        using var curveText = new StringWriter(CultureInfo.InvariantCulture);
        WriteCurves(curveText, markdown: true);
        md.Append(curveText);
        await File.WriteAllTextAsync(System.IO.Path.Combine(directory, "load-results.md"), md.ToString());
    }

    private List<string[]> Cells()
    {
        var table = new List<string[]> { Header };
        foreach (var r in rows)
        {
            var mode = r.Mode == "open" ? string.Create(CultureInfo.InvariantCulture, $"open {r.Rate:0}/s") : "closed";
            if (r.Unavailable is not null)
            {
                table.Add([r.Target, mode, N(r.Connections), "n/a", "", "", "", "", "", "", "", "", "", "", ""]);
                continue;
            }

            table.Add(
            [
                r.Target, mode, N(r.Connections), F(r.RequestsPerSecond, "N0"), F(r.P50Ms, "0.000"), F(r.P90Ms, "0.000"),
                F(r.P99Ms, "0.000"), F(r.P999Ms, "0.000"), r.AddedP50MsVsDirect is { } added ? F(added, "+0.000;-0.000") : "",
                r.ThroughputVsYarp is { } ratio ? F(ratio, "0.00") : "", Rounds(r.RoundsVsYarp), N(r.Errors), r.PeakRssMiB is { } rss ? F(rss, "0.0") : "",
                r.CpuSeconds is { } cpu ? F(cpu, "0.00") : "", r.CpuMicrosecondsPerRequest is { } us ? F(us, "0.0") : "",
            ]);
        }

        return table;
    }

    private void WriteCurves(TextWriter writer, bool markdown)
    {
        if (curves.Count == 0)
        {
            return;
        }

        writer.WriteLine();
        writer.WriteLine(markdown ? "## Warm-up after a cold start on one core" : "Warm-up after a cold start on one core:");
        if (markdown)
        {
            writer.WriteLine();
            writer.WriteLine("| target | conns | start to ready s | first s req/s | plateau req/s | s to steady (90 %) | req/s each second |");
            writer.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        }

        foreach (var c in curves)
        {
            if (c.Unavailable is not null)
            {
                writer.WriteLine(markdown ? $"| {c.Target} | | n/a: {c.Unavailable} | | | | |" : $"  {c.Target}: n/a ({c.Unavailable})");
                continue;
            }

            var first = c.RequestsPerSecondBySecond.Length > 0 ? c.RequestsPerSecondBySecond[0] : 0;
            var steady = c.SecondsToSteady is { } s ? F(s, "0") : "never";
            var series = string.Join(" ", c.RequestsPerSecondBySecond.Select(v => F(v, "0")));
            writer.WriteLine(markdown
                ? $"| {c.Target} | {c.Connections} | {F(c.StartToReadySeconds, "0.00")} | {F(first, "N0")} | {F(c.PlateauRequestsPerSecond, "N0")} | {steady} | {series} |"
                : $"  {c.Target,-8} ready after {F(c.StartToReadySeconds, "0.00")} s; first second {F(first, "N0")} req/s, plateau {F(c.PlateauRequestsPerSecond, "N0")} req/s, steady after {steady} s{(c.Errors > 0 ? $", {c.Errors} errors" : "")}");
        }
    }

    /// <summary>"0.96 (0.73-1.36)": the median of the round-by-round ratios and their range.</summary>
    internal static string Rounds(RoundRatio? ratio) =>
        ratio is { } r ? $"{F(r.Median, "0.00")} ({F(r.Min, "0.00")}-{F(r.Max, "0.00")})" : "";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string DescribeMachine()
    {
        var cpu = "unknown CPU";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            }
        }
        catch (IOException)
        {
        }

        return $"{Environment.ProcessorCount} CPUs ({cpu}), {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.FrameworkDescription}{DescribeIdle()}";
    }

    /// <summary>
    /// How an idle CPU waits. It decides the one-connection latency: a proxy that sleeps between requests pays the
    /// wake-up, which is dear in a VM whose guest does not poll before halting (<c>guest_halt_poll_ns=0</c>;
    /// docs/performance.md, "Scheduling").
    /// </summary>
    private static string DescribeIdle()
    {
        try
        {
            const string cpuidle = "/sys/devices/system/cpu/cpuidle/current_driver";
            const string haltPoll = "/sys/module/haltpoll/parameters/guest_halt_poll_ns";
            if (!File.Exists(cpuidle))
            {
                return "";
            }

            var idle = $", cpuidle {File.ReadAllText(cpuidle).Trim()}";
            return File.Exists(haltPoll) ? $"{idle} (guest_halt_poll_ns={File.ReadAllText(haltPoll).Trim()})" : idle;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
