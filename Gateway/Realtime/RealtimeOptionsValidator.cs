using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Realtime;

internal sealed class RealtimeOptionsValidator : IValidateOptions<RealtimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RealtimeOptions options)
    {
        var errors = new OptionsErrors(RealtimeOptions.Section);
        if (options.MaxConnectionsPerSession is < 1 or > 1000)
        {
            errors.Add(nameof(options.MaxConnectionsPerSession), options.MaxConnectionsPerSession, "must be from 1 to 1000");
        }

        if (options.MessagesPerMinute is < 1 or > 100_000)
        {
            errors.Add(nameof(options.MessagesPerMinute), options.MessagesPerMinute, "must be from 1 to 100000");
        }

        if (options.MaxMessageBytes is < 256 or > 16 * 1024 * 1024)
        {
            errors.Add(nameof(options.MaxMessageBytes), options.MaxMessageBytes, "must be from 256 bytes to 16 MiB");
        }

        if (!(options.IdleTimeoutSeconds > 0 && options.IdleTimeoutSeconds <= 86_400))
        {
            errors.Add(nameof(options.IdleTimeoutSeconds), options.IdleTimeoutSeconds, "must be a number of seconds above 0 and at most 86400");
        }

        if (!(options.AuthTimeoutSeconds > 0 && options.AuthTimeoutSeconds <= 300))
        {
            errors.Add(nameof(options.AuthTimeoutSeconds), options.AuthTimeoutSeconds, "must be a number of seconds above 0 and at most 300");
        }

        if (options.OfflineQueueLength is < 0 or > 1_000_000)
        {
            errors.Add(nameof(options.OfflineQueueLength), options.OfflineQueueLength, "must be from 0 (no offline queue) to 1000000");
        }

        if (!(options.OfflineQueueSeconds > 0 && options.OfflineQueueSeconds <= 7 * 86_400))
        {
            errors.Add(nameof(options.OfflineQueueSeconds), options.OfflineQueueSeconds, "must be a number of seconds above 0 and at most 604800");
        }

        if (options.SendQueueLength is < 1 or > 100_000)
        {
            errors.Add(nameof(options.SendQueueLength), options.SendQueueLength, "must be from 1 to 100000");
        }

        if (string.IsNullOrWhiteSpace(options.RedisKeyPrefix) || options.RedisKeyPrefix.Length > 100)
        {
            errors.Add(nameof(options.RedisKeyPrefix), options.RedisKeyPrefix, "must be a non-empty prefix of at most 100 characters");
        }

        return errors.Outcome;
    }
}
