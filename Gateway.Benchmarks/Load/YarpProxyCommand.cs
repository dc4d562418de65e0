using System.Net;
using PyAirtable.Gateway.Benchmarks.Common;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// Hidden <c>yarp-proxy</c> mode: the YARP baseline the harness starts as a child process. One
/// config route <c>/api/airtable/{**path}</c> to one destination, prefix stripped, as the gateway
/// routes it; YARP's default forwarder client (no proxy, no redirects, no decompression, no
/// cookies) over HTTP/1.1, logging at Warning, no Server header.
/// </summary>
internal static class YarpProxyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string>());
        var port = options.Int("port", 8010);
        var upstream = options.String("upstream", "http://127.0.0.1:8002/");
        options.ThrowOnUnknown();

        var builder = BaselineHost.CreateBuilder(port);

        RouteConfig[] routes =
        [
            new RouteConfig
            {
                RouteId = "airtable",
                ClusterId = "airtable-gateway",
                Match = new RouteMatch { Path = "/api/airtable/{**path}" },
                Transforms = [new Dictionary<string, string> { ["PathRemovePrefix"] = "/api/airtable" }],
            },
        ];
        ClusterConfig[] clusters =
        [
            new ClusterConfig
            {
                ClusterId = "airtable-gateway",
                // Several destinations (comma-separated) are balanced with YARP's default, power of two choices.
                Destinations = upstream.Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(static (address, i) => (Name: "upstream" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Address: address))
                    .ToDictionary(static d => d.Name, static d => new DestinationConfig { Address = d.Address }),
                HttpRequest = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower },
            },
        ];
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

        var app = builder.Build();
        app.MapGet("/", static () => "yarp baseline");
        app.MapReverseProxy();
        await app.RunAsync();
        return 0;
    }
}
