using System.Text;
using Microsoft.Extensions.Logging;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>The access log's buffer and writer: requests never wait for the sink; what cannot be kept is dropped and counted; stopping writes the rest.</summary>
public sealed class AccessLogWriterTests
{
    private static readonly AccessLogEntry Entry = new("req", "GET", "/api/airtable/{**path}", 200, 1_234, "default", "airtable-gateway", "http://127.0.0.1:8002", 1_000, 0, 1024, 0);

    [Fact]
    public async Task Write_SinkBlocked_DropsAndCountsWithoutWaiting()
    {
        using var sink = new BlockingSink();
        var logs = new LogCapture();
        var writer = Writer(sink, logs, bufferKilobytes: 128, flushMilliseconds: 1);
        await writer.StartAsync(CancellationToken.None);

        // The writer takes the first block and hangs in the sink; the buffer behind it fills, then lines are dropped.
        var written = 0;
        await Task.Run(() =>
        {
            writer.Write(Entry);
            written++;
            Assert.True(sink.Entered.Wait(Timeouts.Signal), "the writer never reached the sink");
            while (writer.Dropped == 0 && written < 100_000)
            {
                writer.Write(Entry);
                written++;
            }
        }).WithTimeout();

        Assert.Equal(1, writer.Dropped);
        var warning = await logs.WaitForAsync(5101);
        Assert.Equal(LogLevel.Warning, warning.Level);
        for (var i = 0; i < 10; i++)
        {
            writer.Write(Entry);
        }

        Assert.Equal(11, writer.Dropped);

        sink.Release.Set();
        await writer.StopAsync(CancellationToken.None).WithTimeout();
        Assert.Equal(written - 1, sink.Lines);
    }

    [Fact]
    public async Task StopAsync_LinesWaitingForTheFlushInterval_WrittenBeforeItReturns()
    {
        using var sink = new BlockingSink();
        sink.Release.Set();
        var writer = Writer(sink, new LogCapture(), bufferKilobytes: 1024, flushMilliseconds: 60_000);
        await writer.StartAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            writer.Write(Entry with { RequestId = "line-" + i });
        }

        await writer.StopAsync(CancellationToken.None).WithTimeout();

        Assert.Equal(["line-0", "line-1", "line-2"], sink.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.LastIndexOf(' ') + 1)..^1]));
        Assert.Equal(0, writer.Dropped);
    }

    [Fact]
    public async Task Write_FullBlock_WrittenWithoutWaitingForTheInterval()
    {
        using var sink = new BlockingSink();
        sink.Release.Set();
        var writer = Writer(sink, new LogCapture(), bufferKilobytes: 1024, flushMilliseconds: 60_000);
        await writer.StartAsync(CancellationToken.None);

        // More than one block's worth, far less than the buffer: the first block fills and is queued.
        var lineLength = AccessLogFormat.Format(new byte[AccessLogFormat.MaxLength(Entry)], Entry, json: false);
        var lines = (AccessLogWriter.BlockSize / lineLength) + 10;
        for (var i = 0; i < lines; i++)
        {
            writer.Write(Entry);
        }

        Assert.True(sink.Entered.Wait(Timeouts.Signal), "a full block was not written before the flush interval");
        await writer.StopAsync(CancellationToken.None).WithTimeout();
        Assert.Equal(lines, sink.Lines);
    }

    [Fact]
    public async Task Write_AfterStop_DroppedAndCounted()
    {
        using var sink = new BlockingSink();
        sink.Release.Set();
        var writer = Writer(sink, new LogCapture(), bufferKilobytes: 1024, flushMilliseconds: 1);
        await writer.StartAsync(CancellationToken.None);
        await writer.StopAsync(CancellationToken.None).WithTimeout();

        writer.Write(Entry);

        Assert.Equal(1, writer.Dropped);
        Assert.Equal(0, sink.Lines);
    }

    [Fact]
    public async Task StopAsync_SinkStuck_GivesUpWhenTheShutdownTimeoutEnds()
    {
        using var sink = new BlockingSink();
        var logs = new LogCapture();
        var writer = Writer(sink, logs, bufferKilobytes: 1024, flushMilliseconds: 1);
        await writer.StartAsync(CancellationToken.None);
        writer.Write(Entry);
        Assert.True(sink.Entered.Wait(Timeouts.Signal));

        using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await writer.StopAsync(shutdown.Token).WithTimeout();

        await logs.WaitForAsync(5103);
        sink.Release.Set();
    }

    private static AccessLogWriter Writer(Stream sink, LogCapture logs, int bufferKilobytes, int flushMilliseconds) => new(
        new AccessLogOptions { BufferKilobytes = bufferKilobytes, FlushIntervalMilliseconds = flushMilliseconds },
        json: false,
        logs.CreateLogger("access"),
        () => sink);

    /// <summary>A sink whose writes wait for <see cref="Release"/>, as standard output does when nobody reads the pipe.</summary>
    private sealed class BlockingSink : Stream
    {
        private readonly MemoryStream _written = new();

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public int Lines
        {
            get
            {
                lock (_written)
                {
                    return _written.ToArray().Count(b => b == (byte)'\n');
                }
            }
        }

        public string Text
        {
            get
            {
                lock (_written)
                {
                    return Encoding.UTF8.GetString(_written.ToArray());
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Entered.Set();
            if (!Release.Wait(Timeouts.Signal * 2))
            {
                throw new IOException("never released");
            }

            lock (_written)
            {
                _written.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Entered.Dispose();
                Release.Dispose();
                _written.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
