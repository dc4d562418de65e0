using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Console;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// The access log's buffer and its one writer. A request formats its line (<see cref="AccessLogFormat"/>) straight into
/// the current 64 KiB block under a short lock and goes on; a dedicated thread writes whole blocks to the sink (standard
/// output, or <see cref="AccessLogOptions.Path"/>) when one is full or, under light traffic,
/// <see cref="AccessLogOptions.FlushIntervalMilliseconds"/> after the first line waiting. When every block of
/// <see cref="AccessLogOptions.BufferKilobytes"/> waits for a sink that cannot keep up, further lines are dropped, counted in
/// <c>gateway_access_log_dropped_total</c> and reported by a warning at most every <see cref="WarningInterval"/>: a request
/// never waits for the log. Stopping writes every line still buffered.
/// </summary>
internal sealed partial class AccessLogWriter : IHostedService, IDisposable
{
    /// <summary>The unit the sink is written in, and the most a single line can take.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>How often, at most, dropped lines are reported as a warning.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Stack<Block> _free = new();
    private readonly Queue<Block> _full = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<Stream> _openSink;
    private readonly ILogger _logger;
    private readonly int _maxBlocks;
    private readonly TimeSpan _flushInterval;

    private Stream? _sink;
    private Block? _current;
    private int _blocks;
    private bool _signalled;
    private bool _stopping;
    private bool _closed;
    private long _dropped;
    private long _droppedReported;
    private long _lastWarning = -1;

    public AccessLogWriter(IOptions<ObservabilityOptions> options, IConfiguration configuration, IMeterFactory meters, ILoggerFactory loggers)
        : this(options.Value.AccessLog, IsJson(configuration), loggers.CreateLogger<AccessLogWriter>(), SinkOpener(options.Value.AccessLog.Path))
    {
        meters.Create(GatewayMetrics.MeterName).CreateObservableCounter(
            "gateway_access_log_dropped",
            () => Dropped,
            description: "Access-log lines dropped because the log's sink could not keep up with them, or failed.");
    }

    /// <summary>A writer to the sink <paramref name="openSink"/> opens when the writer starts.</summary>
    public AccessLogWriter(AccessLogOptions options, bool json, ILogger logger, Func<Stream> openSink)
    {
        Json = json;
        _logger = logger;
        _openSink = openSink;
        _maxBlocks = Math.Max(2, options.BufferKilobytes * 1024 / BlockSize);
        _flushInterval = TimeSpan.FromMilliseconds(options.FlushIntervalMilliseconds);
    }

    /// <summary>Lines in the JSON form (<c>LOG_FORMAT=json</c>).</summary>
    public bool Json { get; }

    /// <summary>Lines dropped since start: no room while the sink was behind, the sink failed, or they came after the end.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds the line for <paramref name="entry"/> to the buffer, or drops it when the buffer is full; never waits for the sink.</summary>
    public void Write(in AccessLogEntry entry)
    {
        var needed = AccessLogFormat.MaxLength(entry);
        var written = false;
        var wake = false;
        lock (_gate)
        {
            if (!_closed)
            {
                var block = _current;
                var idle = _full.Count == 0 && (block is null || block.Length == 0);
                var rotated = false;
                if (!HasRoom(block, needed))
                {
                    rotated = block is { Length: > 0 };
                    block = Rotate();
                }

                if (HasRoom(block, needed))
                {
                    block!.Length += AccessLogFormat.Format(block.Data.AsSpan(block.Length), entry, Json);
                    block.Lines++;
                    written = true;
                }

                // The writer sleeps until the first line waits, and batches until a block is full.
                wake = (idle || rotated) && !_signalled;
                _signalled |= wake;
            }
        }

        if (wake)
        {
            _wake.Release();
        }

        if (!written)
        {
            CountDropped();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sink = _openSink();
        var thread = new Thread(Run) { IsBackground = true, Name = "Access log writer" };
        thread.Start();
        return Task.CompletedTask;
    }

    /// <summary>Writes what is buffered and ends the writer; gives up when <paramref name="cancellationToken"/> ends the wait (a stuck sink).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopping = true;
        }

        _wake.Release();
        if (_sink is null)
        {
            return;
        }

        try
        {
            await _finished.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Log.StopAbandoned(_logger);
        }
    }

    public void Dispose()
    {
        if (_finished.Task.IsCompleted)
        {
            _sink?.Dispose();
            _wake.Dispose();
        }
    }

    private static bool IsJson(IConfiguration configuration) =>
        string.Equals(configuration["Logging:Console:FormatterName"], ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase);

    private static Func<Stream> SinkOpener(string? path) => string.IsNullOrEmpty(path)
        ? Console.OpenStandardOutput
        : () => new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    private static bool HasRoom(Block? block, int needed) => block is not null && block.Data.Length - block.Length >= needed;

    /// <summary>Queues the current block for writing (if it holds anything) and starts an empty one, if the buffer has one left.</summary>
    private Block? Rotate()
    {
        if (_current is { Length: > 0 } current)
        {
            _full.Enqueue(current);
            _current = null;
        }

        if (_current is null)
        {
            if (_free.TryPop(out var free))
            {
                _current = free;
            }
            else if (_blocks < _maxBlocks)
            {
                _blocks++;
                _current = new Block();
            }
        }

        return _current;
    }

    private void CountDropped()
    {
        var total = Interlocked.Increment(ref _dropped);
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastWarning);
        if ((last >= 0 && now - last < (long)WarningInterval.TotalMilliseconds) || Interlocked.CompareExchange(ref _lastWarning, now, last) != last)
        {
            return;
        }

        var reported = Interlocked.Exchange(ref _droppedReported, total);
        Log.LinesDropped(_logger, total - reported, total);
    }

    /// <summary>The writer thread: waits for the first line, lets a batch gather, writes it, until stopped and empty.</summary>
    private void Run()
    {
        var batch = new List<Block>();
        try
        {
            while (true)
            {
                _wake.Wait();
                if (!TakeSignal())
                {
                    // Let more lines gather, unless a block fills first or the gateway stops.
                    _wake.Wait(_flushInterval);
                    TakeSignal();
                }

                bool stopping;
                lock (_gate)
                {
                    stopping = _stopping;
                    TakeBatch(batch);
                    if (stopping && batch.Count == 0)
                    {
                        _closed = true;
                        return;
                    }
                }

                WriteBatch(batch);
                if (stopping)
                {
                    // Go round again at once: what came in while this batch was written.
                    _wake.Release();
                }
            }
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    /// <summary>Clears the signal; true when a full block waits or the gateway stops (write at once).</summary>
    private bool TakeSignal()
    {
        lock (_gate)
        {
            _signalled = false;
            return _full.Count > 0 || _stopping;
        }
    }

    /// <summary>Every full block, and the current one if it holds lines (a free block, if any, takes its place).</summary>
    private void TakeBatch(List<Block> batch)
    {
        while (_full.TryDequeue(out var block))
        {
            batch.Add(block);
        }

        if (_current is { Length: > 0 } current)
        {
            batch.Add(current);
            _current = _free.TryPop(out var next) ? next : null;
        }
    }

    private void WriteBatch(List<Block> batch)
    {
        var sink = _sink!;
        foreach (var block in batch)
        {
            try
            {
                sink.Write(block.Data, 0, block.Length);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException or NotSupportedException)
            {
                Interlocked.Add(ref _dropped, block.Lines);
                Log.SinkFailed(_logger, block.Lines, exception.Message);
            }
        }

        try
        {
            sink.Flush();
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or NotSupportedException)
        {
            Log.SinkFailed(_logger, 0, exception.Message);
        }

        lock (_gate)
        {
            foreach (var block in batch)
            {
                block.Length = 0;
                block.Lines = 0;
                if (_current is null)
                {
                    _current = block;
                }
                else
                {
                    _free.Push(block);
                }
            }
        }

        batch.Clear();
    }

    /// <summary>A 64 KiB run of whole lines.</summary>
    private sealed class Block
    {
        public byte[] Data { get; } = new byte[BlockSize];

        public int Length { get; set; }

        public int Lines { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(5101, LogLevel.Warning, "Access log: {Dropped} lines dropped since the last report ({Total} in all): the sink does not keep up with the requests")]
        public static partial void LinesDropped(ILogger logger, long dropped, long total);

        [LoggerMessage(5102, LogLevel.Warning, "Access log: writing {Lines} lines failed: {Reason}")]
        public static partial void SinkFailed(ILogger logger, int lines, string reason);

        [LoggerMessage(5103, LogLevel.Warning, "Access log: the sink did not take the last lines before the shutdown timeout")]
        public static partial void StopAbandoned(ILogger logger);
    }
}
