using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Caching;

internal sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions options)
    {
        var errors = new OptionsErrors(CacheOptions.Section);
        if (options.MemoryBytes < 1024 * 1024 || options.MemoryBytes > 64L * 1024 * 1024 * 1024)
        {
            errors.Add(nameof(options.MemoryBytes), options.MemoryBytes, "must be a number of bytes from 1048576 (1 MiB) to 68719476736 (64 GiB)");
        }

        if (!(options.CollapseWaitSeconds >= 0 && options.CollapseWaitSeconds <= 300))
        {
            errors.Add(nameof(options.CollapseWaitSeconds), options.CollapseWaitSeconds, "must be a number of seconds from 0 to 300");
        }

        return errors.Outcome;
    }
}
