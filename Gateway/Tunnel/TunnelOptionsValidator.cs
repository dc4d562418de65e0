using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Tunnel;

internal sealed class TunnelOptionsValidator : IValidateOptions<TunnelOptions>
{
    public ValidateOptionsResult Validate(string? name, TunnelOptions options)
    {
        var errors = new OptionsErrors(TunnelOptions.Section);
        if (!(options.IdleTimeoutSeconds >= 0.1 && options.IdleTimeoutSeconds <= 86400))
        {
            errors.Add(nameof(options.IdleTimeoutSeconds), options.IdleTimeoutSeconds, "must be a number of seconds from 0.1 to 86400");
        }

        if (options.BufferBytes < 1024 || options.BufferBytes > 1024 * 1024)
        {
            errors.Add(nameof(options.BufferBytes), options.BufferBytes, "must be a number of bytes from 1024 to 1048576");
        }

        return errors.Outcome;
    }
}
