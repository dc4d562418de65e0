using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>Builds a Kestrel host that plays one emulated PyAirtable service on a loopback port.</summary>
internal static class EmulatedServiceHost
{
    /// <summary>Service names as the gateway's health report spells them.</summary>
    public static string NameOf(EmulatedServiceKind kind) => kind switch
    {
        EmulatedServiceKind.AirtableGateway => "airtable-gateway",
        EmulatedServiceKind.McpServer => "mcp-server",
        EmulatedServiceKind.LlmOrchestrator => "llm-orchestrator",
        _ => "bench-upstream",
    };

    /// <summary>
    /// Creates (does not start) the host; port 0 picks a free port. <paramref name="inlineScheduling"/>: requests run on
    /// the socket event thread (Kestrel's inline scheduling), as the load harness's fast upstream does.
    /// </summary>
    public static WebApplication Create(EmulatedServiceKind kind, int port, LogLevel minimumLogLevel = LogLevel.Warning, bool inlineScheduling = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (minimumLogLevel < LogLevel.None)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = null;
            o.Listen(IPAddress.Loopback, port);
        });

        if (inlineScheduling)
        {
            builder.WebHost.UseSockets(static sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        var app = builder.Build();
        var name = NameOf(kind);
        switch (kind)
        {
            case EmulatedServiceKind.AirtableGateway:
                app.UseMiddleware<ReceivedHeadersEcho>();
                app.MapHealth(name);
                app.MapFastUpstream();
                app.MapOpenApiDocument("airtable-gateway.json");
                app.MapAirtableGateway();
                break;
            case EmulatedServiceKind.McpServer:
                app.UseMiddleware<ReceivedHeadersEcho>();
                app.MapHealth(name);
                app.MapOpenApiDocument("mcp-server.yaml");
                break;
            case EmulatedServiceKind.LlmOrchestrator:
                app.UseMiddleware<ReceivedHeadersEcho>();
                app.MapHealth(name);
                app.MapLlmOrchestrator();
                app.MapOpenApiDocument("llm-orchestrator.json");
                break;
            default:
                app.MapHealth(name);
                app.MapFastUpstream();
                break;
        }

        return app;
    }

    /// <summary>The first address a started host listens on, e.g. <c>http://127.0.0.1:8002</c>.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        return new Uri(addresses.Addresses.First());
    }
}
