using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// How the harness's own socket work runs. The load generator and the fast upstream share one core; with the runtime's
/// inline socket completions their continuations run on the one socket event thread that saw the socket ready, instead
/// of a thread-pool thread woken for each (a context switch per completion). The measuring side is then cheaper than
/// the proxies it measures, and its timestamps are taken when the bytes arrive, not when a pool thread gets round to
/// them. One event thread, not the runtime's one per CPU that inline completions get: two on one core take turns, each
/// waiting for the other's time slice (docs/performance.md, "The harness"). The runtime reads both variables once, when the process
/// first waits on a socket, so <see cref="Apply"/> runs before the harness opens any; no proxy inherits them.
/// </summary>
internal static class HarnessScheduling
{
    /// <summary>The runtime's number of socket event threads.</summary>
    public const string ThreadCountVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    private static readonly string[] Variables = [HostingExtensions.InlineCompletionsVariable, ThreadCountVariable];
    private static readonly Lock Gate = new();
    private static Dictionary<string, string?>? s_inherited;

    /// <summary>The two variables as this process inherited them, whatever the harness set for itself.</summary>
    public static IReadOnlyDictionary<string, string?> Inherited
    {
        get
        {
            lock (Gate)
            {
                return s_inherited ?? Current();
            }
        }
    }

    /// <summary>Inline: one socket event thread running every completion; otherwise the variables as inherited. Call before any socket is used.</summary>
    public static void Apply(bool inline)
    {
        lock (Gate)
        {
            s_inherited ??= Current();
            foreach (var variable in Variables)
            {
                Environment.SetEnvironmentVariable(variable, inline ? "1" : s_inherited[variable]);
            }
        }
    }

    /// <summary>A proxy's environment gets the two variables as the harness inherited them (absent if they were).</summary>
    public static void ForChild(IDictionary<string, string?> environment, IReadOnlyDictionary<string, string?> inherited)
    {
        foreach (var variable in Variables)
        {
            if (inherited.GetValueOrDefault(variable) is { } value)
            {
                environment[variable] = value;
            }
            else
            {
                environment.Remove(variable);
            }
        }
    }

    private static Dictionary<string, string?> Current()
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var variable in Variables)
        {
            values[variable] = Environment.GetEnvironmentVariable(variable);
        }

        return values;
    }
}
