using System.Runtime.CompilerServices;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>
/// The test process keeps the runtime's default socket scheduling whatever order tests start in: an in-process gateway
/// turns on inline socket completions for its process when none is configured, which would take effect here only if
/// it happened to run before the first socket was used. Kestrel's inline scheduling, set per host, stays on as it ships.
/// Gateways started as their own process (<see cref="Resilience.GracefulShutdownTests"/>) decide for themselves.
/// </summary>
internal static class TestProcess
{
    [ModuleInitializer]
    internal static void KeepDefaultSocketScheduling()
    {
        if (Environment.GetEnvironmentVariable(HostingExtensions.InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(HostingExtensions.InlineCompletionsVariable, "0");
        }
    }
}
