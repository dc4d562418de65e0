using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Observability;

internal sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    /// <summary>The largest body prefix that may be logged: logging is for debugging, not for archiving payloads.</summary>
    public const int MaxLoggedBodyBytes = 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var errors = new OptionsErrors(ObservabilityOptions.Section);
        if (options.BodyLogging.MaxBodyBytes is < 0 or > MaxLoggedBodyBytes)
        {
            errors.Add("BodyLogging:MaxBodyBytes", options.BodyLogging.MaxBodyBytes, $"must be between 0 and {MaxLoggedBodyBytes}");
        }

        return errors.Outcome;
    }
}
