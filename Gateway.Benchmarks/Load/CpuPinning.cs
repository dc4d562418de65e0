using System.Diagnostics;
using System.Globalization;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// CPU affinity: proxies on CPU 0, the load generator and upstream (this process) on CPU 1.
/// Uses <c>taskset</c> when present (it pins every thread), <see cref="Process.ProcessorAffinity"/> otherwise.
/// </summary>
internal static class CpuPinning
{
    public const int ProxyCpu = 0;
    public const int HarnessCpu = 1;

    private static readonly string? TasksetPath = FindTaskset();

    public static bool HasTaskset => TasksetPath is not null;

    /// <summary>Pinning needs at least two CPUs.</summary>
    public static bool Possible => Environment.ProcessorCount >= 2 || HasTaskset;

    /// <summary>Wraps a command so it starts pinned to one CPU (taskset execs it, so the PID stays the program's).</summary>
    public static (string FileName, List<string> Arguments) Wrap(string fileName, List<string> arguments, int cpu)
    {
        if (TasksetPath is null)
        {
            return (fileName, arguments);
        }

        var wrapped = new List<string> { "-c", cpu.ToString(CultureInfo.InvariantCulture), fileName };
        wrapped.AddRange(arguments);
        return (TasksetPath, wrapped);
    }

    /// <summary>For a child started without taskset: set its affinity right after start.</summary>
    public static void ApplyAfterStart(Process process, int cpu)
    {
        if (TasksetPath is null && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            process.ProcessorAffinity = (nint)(1L << cpu);
        }
    }

    /// <summary>Pins every thread of the current process to <paramref name="cpu"/>.</summary>
    public static string PinCurrentProcess(int cpu)
    {
        var pid = Environment.ProcessId;
        if (TasksetPath is not null)
        {
            using var taskset = Process.Start(new ProcessStartInfo(TasksetPath)
            {
                ArgumentList = { "-a", "-p", "-c", cpu.ToString(CultureInfo.InvariantCulture), pid.ToString(CultureInfo.InvariantCulture) },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (taskset is not null)
            {
                taskset.WaitForExit(5000);
                if (taskset.ExitCode == 0)
                {
                    return "taskset";
                }
            }
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            // Only affects the main thread and threads it creates later on Linux.
            Process.GetCurrentProcess().ProcessorAffinity = (nint)(1L << cpu);
            return "ProcessorAffinity";
        }

        return "none";
    }

    private static string? FindTaskset()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, "taskset");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
