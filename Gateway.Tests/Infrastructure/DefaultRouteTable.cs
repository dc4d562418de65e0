using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>The built-in route table as the gateway compiles it (from a gateway built, never started), for unit tests of route-level functions.</summary>
internal static class DefaultRouteTable
{
    private static readonly Lazy<RouteTable> Table = new(static () =>
    {
        var app = Program.CreateApp(GatewayHost.Arguments(GatewayHost.DefaultSettings(null, null, null)));
        return app.Services.GetRequiredService<RouteTableProvider>().Current;
    });

    /// <summary>The unversioned endpoint of the built-in route <paramref name="name"/> (<c>airtable</c>, <c>chat</c>, ...).</summary>
    public static GatewayRoute Route(string name) => Table.Value.Find(name)!.Endpoints[0];
}
