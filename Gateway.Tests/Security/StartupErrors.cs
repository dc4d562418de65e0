using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Starts the gateway with bad settings and returns the start-up error text (the test fails if it starts).</summary>
internal static class StartupErrors
{
    public static async Task<string> CaptureAsync(IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        // Options are validated when the app is built (services resolved while mapping) or when it starts.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var app = Program.CreateApp(GatewayHost.Arguments(settings));
            try
            {
                await app.StartAsync().WithTimeout();
            }
            finally
            {
                await app.DisposeAsync();
            }
        });
        return error is AggregateException aggregate ? string.Join(" | ", aggregate.InnerExceptions.Select(e => e.Message)) : error.Message;
    }
}
