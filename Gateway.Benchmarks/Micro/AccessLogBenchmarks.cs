using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Console;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Benchmarks.Micro;

/// <summary>
/// What one access-log line costs the request that writes it, in a loop as fast as the sink takes the lines
/// (standard output replaced by <c>/dev/null</c>, so a write is a real system call that does nothing):
/// the console logging provider the access log went through until issue 20 (a <c>[LoggerMessage]</c> call, the simple
/// formatter, the provider's queue, which makes the caller wait when it is full, and its thread writing each line),
/// against <see cref="AccessLogWriter"/> (the line formatted into a shared block, a thread writing whole blocks),
/// text and JSON, and the formatting alone. (BenchmarkDotNet needs the class public and unsealed.)
/// </summary>
[MemoryDiagnoser]
public partial class AccessLogBenchmarks : IDisposable
{
    private static readonly AccessLogEntry Entry = new(
        "01a217a8598a7ce8b011b45e879a2142", "GET", "/api/airtable/{**path}", 200, 9_179, "default", "airtable-gateway",
        "http://127.0.0.1:8002", 6_925, 0, 1024, 0);

    private readonly byte[] _line = new byte[AccessLogFormat.MaxLength(Entry)];
    private TextWriter? _originalOut;
    private StreamWriter? _devNull;
    private ILoggerFactory? _loggers;
    private ILogger _console = null!;
    private AccessLogWriter _text = null!;
    private AccessLogWriter _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _originalOut = Console.Out;
        _devNull = new StreamWriter(File.OpenWrite("/dev/null")) { AutoFlush = true };
        Console.SetOut(_devNull);
        _loggers = LoggerFactory.Create(static logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Information));
        _console = _loggers.CreateLogger(GatewayTelemetry.AccessLogCategory);
        _text = Start(json: false);
        _json = Start(json: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _text.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _json.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _loggers?.Dispose();
        Console.SetOut(_originalOut!);
        Console.WriteLine($"// access log lines dropped: text {_text.Dropped}, json {_json.Dropped}");
        Dispose();
    }

    [Benchmark(Baseline = true, Description = "console logging provider ([LoggerMessage], simple formatter)")]
    public void ConsoleProvider() => Log.Access(
        _console, Entry.RequestId, Entry.Method, Entry.Route, Entry.StatusCode, Entry.DurationMicroseconds / 1000.0, Entry.ClientId,
        Entry.Service, Entry.UpstreamInstance, Entry.BytesIn, Entry.BytesOut, Entry.UpstreamMicroseconds / 1000.0, Entry.RetryCount);

    [Benchmark(Description = "AccessLogWriter, text")]
    public void WriterText() => _text.Write(Entry);

    [Benchmark(Description = "AccessLogWriter, JSON")]
    public void WriterJson() => _json.Write(Entry);

    [Benchmark(Description = "format only, text")]
    public int FormatText() => AccessLogFormat.Format(_line, Entry, json: false);

    [Benchmark(Description = "format only, JSON")]
    public int FormatJson() => AccessLogFormat.Format(_line, Entry, json: true);

    public void Dispose()
    {
        _devNull?.Dispose();
        _devNull = null;
        GC.SuppressFinalize(this);
    }

    private static AccessLogWriter Start(bool json)
    {
        var writer = new AccessLogWriter(
            new AccessLogOptions(),
            json,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
            static () => File.OpenWrite("/dev/null"));
        writer.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return writer;
    }

    /// <summary>The access log's logging method as it was until issue 20.</summary>
    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Information,
            "{Method} {Route} {StatusCode} in {DurationMs:0.000} ms; client {ClientId}, service {Service} at {UpstreamInstance} ({UpstreamMs:0.000} ms), {BytesIn} bytes in, {BytesOut} bytes out, {RetryCount} retries (request {RequestId})")]
        public static partial void Access(
            ILogger logger,
            string requestId,
            string method,
            string route,
            int statusCode,
            double durationMs,
            string clientId,
            string service,
            string upstreamInstance,
            long bytesIn,
            long bytesOut,
            double upstreamMs,
            int retryCount);
    }
}
