using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Observability;

internal sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    /// <summary>The largest body prefix that may be logged: logging is for debugging, not for archiving payloads.</summary>
    public const int MaxLoggedBodyBytes = 1024 * 1024;

    /// <summary>Two of the access log's 64 KiB blocks: one filling while the other is written.</summary>
    public const int MinAccessLogBufferKilobytes = 2 * AccessLogWriter.BlockSize / 1024;

    public const int MaxAccessLogBufferKilobytes = 1024 * 1024;

    public const int MaxAccessLogFlushMilliseconds = 60_000;

    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var errors = new OptionsErrors(ObservabilityOptions.Section);
        if (options.BodyLogging.MaxBodyBytes is < 0 or > MaxLoggedBodyBytes)
        {
            errors.Add("BodyLogging:MaxBodyBytes", options.BodyLogging.MaxBodyBytes, $"must be between 0 and {MaxLoggedBodyBytes}");
        }

        var accessLog = options.AccessLog;
        if (accessLog.BufferKilobytes is < MinAccessLogBufferKilobytes or > MaxAccessLogBufferKilobytes)
        {
            errors.Add("AccessLog:BufferKilobytes", accessLog.BufferKilobytes, $"must be between {MinAccessLogBufferKilobytes} and {MaxAccessLogBufferKilobytes}");
        }

        if (accessLog.FlushIntervalMilliseconds is < 1 or > MaxAccessLogFlushMilliseconds)
        {
            errors.Add("AccessLog:FlushIntervalMilliseconds", accessLog.FlushIntervalMilliseconds, $"must be between 1 and {MaxAccessLogFlushMilliseconds}");
        }

        if (!string.IsNullOrEmpty(accessLog.Path) && !Directory.Exists(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(accessLog.Path))))
        {
            errors.Add("AccessLog:Path", accessLog.Path, "must be a file in an existing directory");
        }

        return errors.Outcome;
    }
}
