using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// Tees a response body: put in place of the request's <see cref="IHttpResponseBodyFeature"/> while the rest of the
/// pipeline runs (as ASP.NET Core's output caching does), it passes every write and flush through unchanged, so the
/// client gets the body as it arrives, and keeps a copy in a pooled buffer until the body passes the route's object
/// size (then it stops copying and keeps streaming). A failed or incomplete flush, or a completion with an error,
/// marks the copy broken, and so does aborting the request: it stands in for the request's
/// <see cref="IHttpRequestLifetimeFeature"/> too, because the server cancels <c>RequestAborted</c> asynchronously, so
/// an abort (the forwarder's answer to a service failing mid-body) may not show there yet when the step looks.
/// </summary>
internal sealed class ResponseCapture : IHttpResponseBodyFeature, IHttpRequestLifetimeFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly IHttpRequestLifetimeFeature _lifetime;
    private readonly long _maxBytes;
    private readonly TeeWriter _writer;
    private Stream? _stream;
    private byte[]? _buffer;
    private int _length;

    public ResponseCapture(IHttpResponseBodyFeature inner, IHttpRequestLifetimeFeature lifetime, long maxBytes)
    {
        _inner = inner;
        _lifetime = lifetime;
        _maxBytes = maxBytes;
        _writer = new TeeWriter(this, inner.Writer);
    }

    /// <summary>Still copying: the response is storable so far and within the size.</summary>
    public bool Capturing { get; private set; } = true;

    /// <summary>A write, flush or completion failed or was cut short.</summary>
    public bool Broken { get; private set; }

    public int Length => _length;

    public Stream Stream => _stream ??= _writer.AsStream(leaveOpen: true);

    public PipeWriter Writer => _writer;

    public CancellationToken RequestAborted
    {
        get => _lifetime.RequestAborted;
        set => _lifetime.RequestAborted = value;
    }

    public void Abort()
    {
        Broken = true;
        _lifetime.Abort();
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken);

    public Task CompleteAsync() => _inner.CompleteAsync();

    /// <summary>Stops copying (the response turned out not storable) and gives the buffer back.</summary>
    public void Stop()
    {
        Capturing = false;
        Release();
    }

    /// <summary>The copied body, exactly its length; a new array (the stored entry's own).</summary>
    public byte[] ToArray() => _buffer is null ? [] : _buffer.AsSpan(0, _length).ToArray();

    /// <summary>Gives the pooled buffer back; the copy is gone.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (!Capturing || data.IsEmpty)
        {
            return;
        }

        var needed = (long)_length + data.Length;
        if (needed > _maxBytes)
        {
            Stop();
            return;
        }

        if (_buffer is null || needed > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(_maxBytes, Math.Max(needed, Math.Max(4096, (_buffer?.Length ?? 0) * 2L))));
            if (_buffer is { } old)
            {
                old.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(old);
            }

            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    private sealed class TeeWriter : PipeWriter
    {
        private readonly ResponseCapture _owner;
        private readonly PipeWriter _inner;
        private Memory<byte> _last;

        public TeeWriter(ResponseCapture owner, PipeWriter inner)
        {
            _owner = owner;
            _inner = inner;
        }

        public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => _inner.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _last = _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (bytes > 0)
            {
                _owner.Append(_last.Span[..bytes]);
                _last = _last[bytes..];
            }

            _inner.Advance(bytes);
        }

        public override void CancelPendingFlush() => _inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            if (exception is not null)
            {
                _owner.Broken = true;
            }

            _inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            if (exception is not null)
            {
                _owner.Broken = true;
            }

            return _inner.CompleteAsync(exception);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            ValueTask<FlushResult> flush;
            try
            {
                flush = _inner.FlushAsync(cancellationToken);
            }
            catch
            {
                _owner.Broken = true;
                throw;
            }

            if (flush.IsCompletedSuccessfully)
            {
                // A ValueTask is consumed once: its result is read here and handed on in a new one.
                var completed = flush.Result;
                Note(completed);
                return new ValueTask<FlushResult>(completed);
            }

            return Awaited(flush);
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            _owner.Append(source.Span);
            ValueTask<FlushResult> write;
            try
            {
                write = _inner.WriteAsync(source, cancellationToken);
            }
            catch
            {
                _owner.Broken = true;
                throw;
            }

            if (write.IsCompletedSuccessfully)
            {
                // A ValueTask is consumed once: its result is read here and handed on in a new one.
                var completed = write.Result;
                Note(completed);
                return new ValueTask<FlushResult>(completed);
            }

            return Awaited(write);
        }

        private async ValueTask<FlushResult> Awaited(ValueTask<FlushResult> pending)
        {
            try
            {
                var result = await pending;
                Note(result);
                return result;
            }
            catch
            {
                _owner.Broken = true;
                throw;
            }
        }

        private void Note(FlushResult result)
        {
            if (result.IsCanceled || result.IsCompleted)
            {
                _owner.Broken = true;
            }
        }
    }
}
