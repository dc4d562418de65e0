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

        if (options.MaxRequestBodyBytes <= 0)
        {
            errors.Add(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes, "must be a positive number of bytes");
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

        return errors.Result;
    }
}
