using System.Net;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// The host both baseline proxies (YARP, floor) run in: slim, loopback only, logging at Warning, no Server header; with
/// the runtime's inline socket completions set (<c>load --baseline-inline</c>), Kestrel schedules inline too, as the
/// gateway does by default.
/// </summary>
internal static class BaselineHost
{
    public static WebApplicationBuilder CreateBuilder(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(IPAddress.Loopback, port);
        });
        if (Environment.GetEnvironmentVariable(HostingExtensions.InlineCompletionsVariable) == "1")
        {
            builder.WebHost.UseSockets(static sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        return builder;
    }
}
