namespace PyAirtable.Gateway.Observability;

/// <summary>
/// The fields of one access-log line, as <see cref="RequestTelemetryMiddleware"/> collects them when a request ends.
/// Strings are shown as they are (escaped by <see cref="AccessLogFormat"/>); "-" stands for a value that does not apply.
/// </summary>
internal readonly record struct AccessLogEntry(
    string RequestId,
    string Method,
    string Route,
    int StatusCode,
    long DurationMicroseconds,
    string ClientId,
    string Service,
    string UpstreamInstance,
    long UpstreamMicroseconds,
    long BytesIn,
    long BytesOut,
    int RetryCount);
