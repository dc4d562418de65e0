using Microsoft.AspNetCore.Server.Kestrel.Core;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Configuration;

internal static class HostingExtensions
{
    /// <summary>Where the gateway listens when nothing else is configured.</summary>
    public const string DefaultUrl = "http://0.0.0.0:8000";

    /// <summary>
    /// Kestrel set up as an edge server: no <c>Server</c> header, the body limit from
    /// <see cref="ForwardingOptions.MaxRequestBodyBytes"/>, connections counted for metrics; and logging that never
    /// writes URLs (which may carry secrets) from the framework's per-request lines.
    /// </summary>
    public static WebApplicationBuilder AddGatewayHosting(this WebApplicationBuilder builder)
    {
        // Port 8000 on every interface, as the Python service, unless --urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS
        // or Kestrel endpoints say otherwise.
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"])
            && string.IsNullOrEmpty(configuration["https_ports"]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.UseKestrel(static kestrel =>
        {
            kestrel.AddServerHeader = false;
            var metrics = kestrel.ApplicationServices.GetRequiredService<GatewayMetrics>();
            kestrel.ConfigureEndpointDefaults(listen => listen.CountConnections(metrics));
        });
        // The forwarder counts body bytes exactly; Kestrel's own limit also counts chunk framing (up to 6 bytes a chunk
        // of 1 byte), so it is only a backstop here, set far enough above the real limit never to refuse a valid body.
        // Opt-in: continuations of socket reads run on the I/O thread instead of hopping to the thread pool (the gateway
        // never blocks). The load harness showed no gain on two cores, so it stays off by default.
        if (configuration.GetValue("Gateway:InlineScheduling", false))
        {
            builder.WebHost.UseSockets(static sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ForwardingOptions>>(static (kestrel, forwarding) =>
            kestrel.Limits.MaxRequestBodySize = forwarding.Value.MaxRequestBodyBytes * 8 + 65536);

        // Off entirely: at any level the hosting layer would open a log scope and an Activity for every request.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

        // Polly reports every pipeline execution at Information; circuit transitions stay visible at Warning.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        return builder;
    }
}
