using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Routing;

internal sealed class LoadBalancingOptionsValidator : IValidateOptions<LoadBalancingOptions>
{
    public ValidateOptionsResult Validate(string? name, LoadBalancingOptions options)
    {
        var errors = new OptionsErrors(LoadBalancingOptions.Section);
        if (!Enum.IsDefined(options.Policy))
        {
            errors.Add(nameof(options.Policy), options.Policy, "must be PowerOfTwoChoices or RoundRobin");
        }

        if (!(options.PassiveCooldownSeconds >= 0 && options.PassiveCooldownSeconds <= 3600))
        {
            errors.Add(nameof(options.PassiveCooldownSeconds), options.PassiveCooldownSeconds, "must be a number of seconds from 0 to 3600");
        }

        return errors.Outcome;
    }
}
