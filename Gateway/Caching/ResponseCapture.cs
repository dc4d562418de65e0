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
/// With <see cref="HoldFor"/> the first body activity asks a gate first: when it says so (a failure a stored response
/// answers instead, <c>stale-if-error</c>), nothing reaches the client (the response has not started) and the body
/// is dropped; otherwise everything passes as usual, nothing held.
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
    private Func<object, bool>? _gate;
    private object? _gateState;
    private GateMode _mode = GateMode.Pass;
    private byte[]? _scratch;

    private enum GateMode : byte
    {
        Pass,
        Undecided,
        Discard,
    }

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

    /// <summary>The gate said to drop the body: nothing of it reached the client.</summary>
    public bool Discarded => _mode == GateMode.Discard;

    /// <summary>Asks <paramref name="gate"/> (with <paramref name="state"/>) at the first body activity whether to drop the body instead of passing it on.</summary>
    public void HoldFor(Func<object, bool> gate, object state)
    {
        _gate = gate;
        _gateState = state;
        _mode = GateMode.Undecided;
    }

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
        if (_mode != GateMode.Discard)
        {
            _lifetime.Abort();
        }
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => Discarding() ? Task.CompletedTask : _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken);

    public Task CompleteAsync() => Discarding() ? Task.CompletedTask : _inner.CompleteAsync();

    /// <summary>True when the body is dropped; decided once, at the first body activity.</summary>
    private bool Discarding()
    {
        if (_mode == GateMode.Undecided)
        {
            _mode = _gate!(_gateState!) ? GateMode.Discard : GateMode.Pass;
            if (_mode == GateMode.Discard)
            {
                Stop();
            }
        }

        return _mode == GateMode.Discard;
    }

    private Memory<byte> Scratch(int sizeHint)
    {
        var size = Math.Max(sizeHint, 4096);
        if (_scratch is null || _scratch.Length < size)
        {
            _scratch = new byte[size];
        }

        return _scratch;
    }

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

        public override Memory<byte> GetMemory(int sizeHint = 0) => _owner.Discarding() ? _owner.Scratch(sizeHint) : _last = _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (_owner.Discarding())
            {
                return;
            }

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

            if (_owner.Discarding())
            {
                return;
            }

            _inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            if (exception is not null)
            {
                _owner.Broken = true;
            }

            if (_owner.Discarding())
            {
                return default;
            }

            return _inner.CompleteAsync(exception);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (_owner.Discarding())
            {
                return default;
            }

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
            if (_owner.Discarding())
            {
                return default;
            }

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
