using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Resilience;

internal sealed class CircuitBreakerOptionsValidator : IValidateOptions<CircuitBreakerOptions>
{
    public ValidateOptionsResult Validate(string? name, CircuitBreakerOptions options)
    {
        var errors = new OptionsErrors(CircuitBreakerOptions.Section);
        if (options.FailureThreshold < 2)
        {
            errors.Add(nameof(options.FailureThreshold), options.FailureThreshold, "must be at least 2");
        }

        if (!(options.BreakSeconds >= 0.1 && options.BreakSeconds <= 86400))
        {
            errors.Add(nameof(options.BreakSeconds), options.BreakSeconds, "must be between 0.1 and 86400 seconds");
        }

        return errors.Outcome;
    }
}
