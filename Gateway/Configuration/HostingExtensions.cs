using Microsoft.AspNetCore.Server.Kestrel.Core;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Configuration;

internal static class HostingExtensions
{
    /// <summary>Where the gateway listens when nothing else is configured.</summary>
    public const string DefaultUrl = "http://0.0.0.0:8000";

    /// <summary>The runtime's switch that runs socket completions on the socket engine's event threads.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Kestrel set up as an edge server: no <c>Server</c> header, the body limit from
    /// <see cref="ForwardingOptions.MaxRequestBodyBytes"/>, header, timeout and data-rate limits from
    /// <see cref="ServerLimitsOptions"/>, connections counted for metrics; and logging that never
    /// writes URLs (which may carry secrets) from the framework's per-request lines.
    /// </summary>
    public static WebApplicationBuilder AddGatewayHosting(this WebApplicationBuilder builder)
    {
        // A bare LF ending a request line or header is refused (400) rather than read as CRLF: a parser in front of
        // the gateway may read such a request differently.
        AppContext.SetSwitch("Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators", true);

        // Port 8000 on every interface, as the Python service, unless --urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS
        // or Kestrel endpoints say otherwise.
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"])
            && string.IsNullOrEmpty(configuration["https_ports"]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // HTTPS from Kestrel's standard settings (Kestrel:Endpoints:<name>:Certificate, Kestrel:Certificates:Default, an
        // https:// URL): the slim builder leaves that support out, so without this call a configured certificate is an
        // error. Kestrel's HTTPS endpoints offer HTTP/2 and HTTP/1.1 by ALPN (Protocols Http1AndHttp2, its default).
        builder.WebHost.UseKestrelHttpsConfiguration();
        CertificateSettings.ThrowIfMissing(configuration);

        // ConfigureKestrel, not UseKestrel: the slim builder has already added Kestrel, and UseKestrel would add HTTP/3
        // (QUIC) as well, which the gateway never listens on.
        builder.WebHost.ConfigureKestrel(static kestrel =>
        {
            kestrel.AddServerHeader = false;
            var metrics = kestrel.ApplicationServices.GetRequiredService<GatewayMetrics>();
            kestrel.ConfigureEndpointDefaults(listen => listen.CountConnections(metrics));
        });

        // Inline scheduling (default on): socket completions and the code awaiting them run on the socket engine's
        // event thread instead of being handed to the thread pool, for Kestrel's connections (UnsafePreferInlineScheduling)
        // and the upstream ones (the runtime's DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS, read once, when the process
        // first uses a socket: none is used before this point). Nothing in the gateway blocks a thread, so no hand-off
        // is needed; on one core the hand-offs were context switches that dominated the CPU per request
        // (docs/performance.md, "Scheduling"). With it on, the runtime runs one event thread per core.
        var inline = configuration.GetValue("Gateway:InlineScheduling", true);
        if (inline)
        {
            builder.WebHost.UseSockets(static sockets => sockets.UnsafePreferInlineScheduling = true);
            if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
            {
                Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
            }
        }

        // Off by default: a request that finds the gateway idle may move to the thread pool (IdleHandoff), which helps
        // only where waking a halted core is slow and switching threads cheap.
        builder.Services.AddSingleton(new IdleHandoff(inline && configuration.GetValue("Gateway:IdleHandoff", false)));

        // Native AOT: the executable's type data, read once before Main, leaves the resident set.
        builder.Services.AddHostedService<StartupDataRelease>();

        // The forwarder counts body bytes exactly; Kestrel's own limit also counts chunk framing (up to 6 bytes a chunk
        // of 1 byte), so it is only a backstop here, set far enough above the real limit never to refuse a valid body.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ForwardingOptions>>(static (kestrel, forwarding) =>
            kestrel.Limits.MaxRequestBodySize = forwarding.Value.MaxRequestBodyBytes * 8 + 65536);
        builder.Services.AddOptions<ServerLimitsOptions>().BindConfiguration(ServerLimitsOptions.Section).ValidateWith<ServerLimitsOptions, ServerLimitsOptionsValidator>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerLimitsOptions>>(static (kestrel, options) =>
            ApplyLimits(kestrel.Limits, options.Value));

        // Off entirely: at any level the hosting layer would open a log scope and an Activity for every request.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

        // Polly reports every pipeline execution at Information; circuit transitions stay visible at Warning.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        // The JWT handler reports every refused token at Information; the gateway logs refusals itself at Debug.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Authentication", LogLevel.Warning);
        return builder;
    }

    /// <summary>The limits documented in docs/security.md; the rest stay at Kestrel's defaults on purpose.</summary>
    internal static void ApplyLimits(KestrelServerLimits limits, ServerLimitsOptions options)
    {
        var grace = TimeSpan.FromSeconds(options.MinDataRateGraceSeconds);
        limits.MaxRequestLineSize = options.MaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersTotalBytes;
        limits.MaxRequestHeaderCount = options.MaxRequestHeaderCount;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeoutSeconds);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(options.KeepAliveTimeoutSeconds);
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, grace);
        limits.MinResponseDataRate = new MinDataRate(options.MinResponseBytesPerSecond, grace);
        limits.MaxConcurrentConnections = options.MaxConcurrentConnections == 0 ? null : options.MaxConcurrentConnections;
        limits.Http2.MaxRequestHeaderFieldSize = Math.Min(limits.Http2.MaxRequestHeaderFieldSize, options.MaxRequestHeadersTotalBytes);
    }
}
