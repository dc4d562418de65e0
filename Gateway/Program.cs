using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Caching;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Cors;
using PyAirtable.Gateway.Dashboard;
using PyAirtable.Gateway.Documentation;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.GraphQL;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Introspection;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Realtime;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Tunnel;

await Program.CreateApp(args).RunAsync();

/// <summary>The gateway's composition root: services, middleware and endpoints, in order.</summary>
public partial class Program
{
    /// <summary>Builds the gateway application (tests and the benchmark host call this too).</summary>
    public static WebApplication CreateApp(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddGatewayConfiguration();
        builder.AddGatewayHosting();
        builder.Services.AddGatewayForwarding();
        builder.Services.AddGatewayRouting();
        builder.Services.AddGatewayCaching();
        builder.Services.AddGatewayTunnel();
        builder.Services.AddGatewayAuth();
        builder.Services.AddGatewayRateLimiting();
        builder.Services.AddGatewayCors();
        builder.Services.AddGatewayHealth();
        builder.Services.AddGatewayDocumentation();
        builder.Services.AddGatewayGraphQL();
        builder.Services.AddGatewayRealtime();
        builder.AddGatewayObservability();

        var app = builder.Build();
        app.UseGatewayObservability();
        app.UseGatewayCors();
        app.UseGatewayRealtime();
        app.UseRouting();
        app.UseGatewayAuth();
        app.UseMiddleware<RateLimitMiddleware>();
        app.MapGatewayProbes();
        app.MapGatewayMetrics();
        app.MapGatewayIntrospection();
        app.MapGatewayCache();
        app.MapGatewayDashboard();
        app.MapGatewayDocumentation();
        app.MapGatewayGraphQL();
        app.MapGatewayRealtime();
        app.MapGatewayRoutes();
        app.MapGatewayFallbacks();
        return app;
    }
}
