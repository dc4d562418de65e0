using System.Net;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>The host both baseline proxies (YARP, floor) run in: slim, loopback only, logging at Warning, no Server header.</summary>
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
        return builder;
    }
}
