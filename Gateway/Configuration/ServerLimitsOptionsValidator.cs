namespace PyAirtable.Gateway.Configuration;

internal sealed class ServerLimitsOptionsValidator : IValidateOptions<ServerLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerLimitsOptions options)
    {
        var errors = new OptionsErrors(ServerLimitsOptions.Section);
        Positive(errors, nameof(options.MaxRequestLineBytes), options.MaxRequestLineBytes);
        Positive(errors, nameof(options.MaxRequestHeadersTotalBytes), options.MaxRequestHeadersTotalBytes);
        Positive(errors, nameof(options.MaxRequestHeaderCount), options.MaxRequestHeaderCount);
        Positive(errors, nameof(options.RequestHeadersTimeoutSeconds), options.RequestHeadersTimeoutSeconds);
        Positive(errors, nameof(options.KeepAliveTimeoutSeconds), options.KeepAliveTimeoutSeconds);
        Positive(errors, nameof(options.MinRequestBodyBytesPerSecond), options.MinRequestBodyBytesPerSecond);
        Positive(errors, nameof(options.MinResponseBytesPerSecond), options.MinResponseBytesPerSecond);
        if (options.MinDataRateGraceSeconds < 2)
        {
            errors.Add(nameof(options.MinDataRateGraceSeconds), options.MinDataRateGraceSeconds, "must be at least 2 seconds (Kestrel needs more than its 1 s heartbeat)");
        }

        if (options.MaxConcurrentConnections < 0)
        {
            errors.Add(nameof(options.MaxConcurrentConnections), options.MaxConcurrentConnections, "must be 0 (unlimited) or positive");
        }

        return errors.Outcome;
    }

    private static void Positive(OptionsErrors errors, string property, int value)
    {
        if (value <= 0)
        {
            errors.Add(property, value, "must be positive");
        }
    }
}
