using PyAirtable.Gateway.Benchmarks.Cache;
using PyAirtable.Gateway.Benchmarks.Demo;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Benchmarks.GraphQL;
using PyAirtable.Gateway.Benchmarks.Load;
using PyAirtable.Gateway.Benchmarks.Micro;
using PyAirtable.Gateway.Benchmarks.Realtime;

namespace PyAirtable.Gateway.Benchmarks;

/// <summary>Entry point: the first argument picks the subcommand.</summary>
internal static class BenchmarkProgram
{
    private const string Usage = """
        Gateway.Benchmarks <command> [options]

        Commands:
          demo     emulated PyAirtable services plus the real gateway on the default ports (until Ctrl+C)
          graphql  one screen's data as a three-field GraphQL query vs the same three REST calls (latency, gateway CPU)
          load     load harness: direct vs gateway vs YARP on loopback (see README.md for options)
          micro    BenchmarkDotNet micro-benchmarks (remaining args go to BenchmarkSwitcher)
          cache-memory  heap bytes per cached KiB of the response cache (in-process gateway, see README.md)
          services the emulated services alone (demo --no-gateway)
          ws       the /ws hub: memory per idle connection, fan-out latency (--connections, --fanout, --chunks, --interval-ms, --rounds)
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.WriteLine(Usage);
            return 2;
        }

        var rest = args[1..];
        switch (args[0])
        {
            case "demo":
                return await DemoCommand.RunAsync(rest);
            case "services":
                return await DemoCommand.RunAsync([.. rest, "--no-gateway"]);
            case "graphql":
                return await GraphQLCommand.RunAsync(rest);
            case "load":
                return await LoadCommand.RunAsync(rest);
            case "cache-memory":
                return await CacheMemoryCommand.RunAsync(rest);
            case "micro":
                return MicroCommand.Run(rest);
            case "ws":
                return await WsCommand.RunAsync(rest);
            case "yarp-proxy":
                return await YarpProxyCommand.RunAsync(rest);
            case "floor-proxy":
                return await FloorProxyCommand.RunAsync(rest);
            case "-h" or "--help" or "help":
                Console.WriteLine(Usage);
                return 0;
            default:
                Console.Error.WriteLine($"Unknown command '{args[0]}'.");
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }
}
