using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Forwarding;

internal sealed class ForwardingOptionsValidator : IValidateOptions<ForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        var errors = new OptionsErrors(ForwardingOptions.Section);
        if (!(options.TimeoutSeconds > 0 && options.TimeoutSeconds <= 3600))
        {
            errors.Add(nameof(options.TimeoutSeconds), options.TimeoutSeconds, "must be a number of seconds above 0 and at most 3600");
        }

        if (!(options.TotalTimeoutSeconds > 0 && options.TotalTimeoutSeconds <= 86400))
        {
            errors.Add(nameof(options.TotalTimeoutSeconds), options.TotalTimeoutSeconds, "must be a number of seconds above 0");
        }
        else if (options.TimeoutSeconds > options.TotalTimeoutSeconds)
        {
            errors.Add(nameof(options.TimeoutSeconds), options.TimeoutSeconds, $"is longer than the total timeout Gateway:Forwarding:TotalTimeoutSeconds ({options.TotalTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s), so an attempt could never time out on its own");
        }

        foreach (var (route, seconds) in options.RouteTimeoutSeconds)
        {
            if (Routing.BuiltInRoutes.FindByName(route) is null)
            {
                errors.Add($"{nameof(options.RouteTimeoutSeconds)}:{route}", seconds, "names no route (routes: chat, tools, execute-tool, session-history, delete-session, airtable; a configured route sets Gateway:Routes:<name>:TimeoutSeconds)");
            }
            else if (!(seconds > 0 && seconds <= options.TotalTimeoutSeconds))
            {
                errors.Add($"{nameof(options.RouteTimeoutSeconds)}:{route}", seconds, "must be above 0 and at most the total timeout Gateway:Forwarding:TotalTimeoutSeconds");
            }
        }

        if (options.MaxRequestBodyBytes is <= 0 or > 1L << 40)
        {
            errors.Add(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes, "must be a positive number of bytes, at most 1 TiB");
        }

        if (!(options.ConnectTimeoutSeconds > 0 && options.ConnectTimeoutSeconds <= 300))
        {
            errors.Add(nameof(options.ConnectTimeoutSeconds), options.ConnectTimeoutSeconds, "must be a number of seconds above 0 and at most 300");
        }

        if (!(options.PooledConnectionLifetimeSeconds > 0))
        {
            errors.Add(nameof(options.PooledConnectionLifetimeSeconds), options.PooledConnectionLifetimeSeconds, "must be above 0 (connections must be renewed to pick up DNS changes)");
        }

        if (!(options.PooledConnectionIdleTimeoutSeconds > 0))
        {
            errors.Add(nameof(options.PooledConnectionIdleTimeoutSeconds), options.PooledConnectionIdleTimeoutSeconds, "must be above 0");
        }

        return errors.Outcome;
    }
}
