using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Health;

internal sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>, IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var errors = new OptionsErrors(HealthOptions.Section);
        if (!(options.TimeoutSeconds > 0 && options.TimeoutSeconds <= 300))
        {
            errors.Add(nameof(options.TimeoutSeconds), options.TimeoutSeconds, "must be a number of seconds above 0 and at most 300");
        }

        if (!(options.MaxAgeSeconds >= 0 && options.MaxAgeSeconds <= 2))
        {
            errors.Add(nameof(options.MaxAgeSeconds), options.MaxAgeSeconds, "must be from 0 to 2 seconds");
        }

        if (!(options.IntervalSeconds >= 0 && options.IntervalSeconds <= 3600))
        {
            errors.Add(nameof(options.IntervalSeconds), options.IntervalSeconds, "must be 0 (off) or a number of seconds up to 3600");
        }

        return errors.Outcome;
    }

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        var errors = new OptionsErrors(ShutdownOptions.Section);
        if (!(options.DrainTimeoutSeconds >= 0 && options.DrainTimeoutSeconds <= 3600))
        {
            errors.Add(nameof(options.DrainTimeoutSeconds), options.DrainTimeoutSeconds, "must be a number of seconds from 0 to 3600");
        }

        return errors.Outcome;
    }
}
