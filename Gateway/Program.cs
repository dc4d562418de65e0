await Program.CreateApp(args).RunAsync();

/// <summary>The gateway's composition root: services, middleware and endpoints, in order.</summary>
public partial class Program
{
    /// <summary>Builds the gateway application (tests and the benchmark host call this too).</summary>
    public static WebApplication CreateApp(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        return app;
    }
}
