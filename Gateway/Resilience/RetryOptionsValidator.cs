using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Resilience;

internal sealed class RetryOptionsValidator : IValidateOptions<RetryOptions>
{
    public ValidateOptionsResult Validate(string? name, RetryOptions options)
    {
        var errors = new OptionsErrors(RetryOptions.Section);
        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add(nameof(options.MaxRetries), options.MaxRetries, "must be from 0 to 10");
        }

        if (!(options.BaseDelayMilliseconds >= 0 && options.BaseDelayMilliseconds <= 10_000))
        {
            errors.Add(nameof(options.BaseDelayMilliseconds), options.BaseDelayMilliseconds, "must be from 0 to 10000 milliseconds");
        }

        if (!(options.BudgetPercent >= 0 && options.BudgetPercent <= 100))
        {
            errors.Add(nameof(options.BudgetPercent), options.BudgetPercent, "must be a percentage from 0 to 100");
        }

        if (options.MinRetriesPerSecond < 0)
        {
            errors.Add(nameof(options.MinRetriesPerSecond), options.MinRetriesPerSecond, "must not be negative");
        }

        return errors.Outcome;
    }
}
