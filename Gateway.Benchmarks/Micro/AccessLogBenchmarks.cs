using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Console;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Benchmarks.Micro;

/// <summary>
/// What one access-log line costs the request that writes it. The console logging provider the access log went
/// through until issue 20 (a <c>[LoggerMessage]</c> call, the simple formatter, the provider's queue, which makes the
/// caller wait when it is full, and its thread writing each line to standard output, here <c>/dev/null</c>), against
/// <see cref="AccessLogWriter.Write"/> (the line formatted into the current block under the lock; a fresh writer each
/// iteration with room for all its lines, whose blocks are allocated as they fill: in the gateway they are reused),
/// text and JSON, and the formatting alone. A writer whose thread runs falls behind a loop this tight and drops lines,
/// which would measure the dropping. (BenchmarkDotNet needs the class public and unsealed.)
/// </summary>
[MemoryDiagnoser]
public partial class AccessLogBenchmarks : IDisposable
{
    private const int LinesPerIteration = 50_000;

    private static readonly AccessLogEntry Entry = new(
        "01a217a8598a7ce8b011b45e879a2142", "GET", "/api/airtable/{**path}", 200, 9_179, "default", "airtable-gateway",
        "http://127.0.0.1:8002", 6_925, 0, 1024, 0);

    private readonly byte[] _line = new byte[AccessLogFormat.MaxLength(Entry)];
    private StreamWriter? _devNull;
    private ILoggerFactory? _loggers;
    private ILogger _console = null!;
    private AccessLogWriter _text = null!;
    private AccessLogWriter _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The console provider takes Console.Out when it is created; BenchmarkDotNet keeps its own afterwards.
        var original = Console.Out;
        _devNull = new StreamWriter(DevNull()) { AutoFlush = true };
        Console.SetOut(_devNull);
        _loggers = LoggerFactory.Create(static logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Information));
        _console = _loggers.CreateLogger(GatewayTelemetry.AccessLogCategory);
        Console.SetOut(original);
    }

    [IterationSetup(Targets = [nameof(WriterText), nameof(WriterJson)])]
    public void NewWriters()
    {
        _text = Unstarted(json: false);
        _json = Unstarted(json: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _loggers?.Dispose();
        Dispose();
    }

    [Benchmark(Baseline = true, Description = "console logging provider ([LoggerMessage], simple formatter)")]
    public void ConsoleProvider() => Log.Access(
        _console, Entry.RequestId, Entry.Method, Entry.Route, Entry.StatusCode, Entry.DurationMicroseconds / 1000.0, Entry.ClientId,
        Entry.Service, Entry.UpstreamInstance, Entry.BytesIn, Entry.BytesOut, Entry.UpstreamMicroseconds / 1000.0, Entry.RetryCount);

    [Benchmark(Description = "AccessLogWriter, text", OperationsPerInvoke = LinesPerIteration)]
    [InvocationCount(1)]
    public long WriterText() => WriteAll(_text);

    [Benchmark(Description = "AccessLogWriter, JSON", OperationsPerInvoke = LinesPerIteration)]
    [InvocationCount(1)]
    public long WriterJson() => WriteAll(_json);

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

    private static AccessLogWriter Unstarted(bool json) => new(
        new AccessLogOptions { BufferKilobytes = 64 * 1024 },
        json,
        Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        DevNull);

    private static long WriteAll(AccessLogWriter writer)
    {
        for (var i = 0; i < LinesPerIteration; i++)
        {
            writer.Write(Entry);
        }

        if (writer.Dropped != 0)
        {
            throw new InvalidOperationException("The writer dropped lines: the benchmark would measure dropping.");
        }

        return writer.Dropped;
    }

    private static FileStream DevNull() => new("/dev/null", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

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
