using System.Globalization;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>CPU time and memory of a process, read from <c>/proc/&lt;pid&gt;/stat</c> and <c>/proc/&lt;pid&gt;/status</c>.</summary>
internal readonly record struct ProcessStats(double CpuSeconds, long PeakRssBytes, long RssBytes)
{
    /// <summary>USER_HZ, the unit of utime/stime in <c>/proc/&lt;pid&gt;/stat</c>; 100 on every Linux ABI .NET runs on.</summary>
    private const double ClockTicksPerSecond = 100;

    public static bool Supported => OperatingSystem.IsLinux() && File.Exists("/proc/self/stat");

    /// <summary>Reads the stats, or null when the process is gone or /proc is not there.</summary>
    public static ProcessStats? Read(int pid)
    {
        if (!Supported)
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime is field 14, stime field 15.
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);

            long hwm = 0, rss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = ParseKilobytes(line);
                }
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = ParseKilobytes(line);
                }
            }

            return new ProcessStats((utime + stime) / ClockTicksPerSecond, hwm, rss);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long ParseKilobytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
    }
}
