using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Caching;

internal sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    private static readonly System.Buffers.SearchValues<char> PrefixForbidden = System.Buffers.SearchValues.Create("{}\n\r*?[]\\");

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

        if (options.RedisTimeoutMilliseconds is < 1 or > 10_000)
        {
            errors.Add(nameof(options.RedisTimeoutMilliseconds), options.RedisTimeoutMilliseconds, "must be a number of milliseconds from 1 to 10000");
        }

        if (string.IsNullOrEmpty(options.RedisKeyPrefix) || options.RedisKeyPrefix.Length > 100 || options.RedisKeyPrefix.AsSpan().IndexOfAny(PrefixForbidden) >= 0)
        {
            errors.Add(nameof(options.RedisKeyPrefix), options.RedisKeyPrefix, "must be 1 to 100 characters without braces, glob characters or line breaks");
        }

        return errors.Outcome;
    }
}
