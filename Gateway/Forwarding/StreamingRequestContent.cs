using System.Buffers;
using System.IO.Pipelines;
using System.Net;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Pumps the client's request body straight from Kestrel's pipe to the upstream connection,
/// segment by segment, without knowing its length in advance and without copying it whole.
/// </summary>
internal sealed class StreamingRequestContent : ForwardedContent
{
    private const int CoalesceBytes = 64 * 1024;

    private readonly PipeReader _source;
    private readonly long? _length;
    private readonly long _limit;

    public StreamingRequestContent(PipeReader source, long? length, long limit)
    {
        _source = source;
        _length = length;
        _limit = limit;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length.GetValueOrDefault();
        return _length.HasValue;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _source.ReadAsync(cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                ClientFailure = ex;
                throw new ClientBodyException(ex);
            }

            var buffer = result.Buffer;
            total += buffer.Length;
            if (total > _limit)
            {
                // Counted here, exactly: Kestrel's own limit counts chunk framing too. The upstream never sees the end of this body.
                ClientFailure = new RequestBodyTooLargeException();
                throw new ClientBodyException(ClientFailure);
            }

            await WriteCoalescedAsync(stream, buffer, cancellationToken);
            _source.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }

            // Pass what has arrived on at once: a slow or streaming upload reaches the upstream as it comes.
            await stream.FlushAsync(cancellationToken);
        }

        await stream.FlushAsync(cancellationToken);
        BodySent();
    }

    /// <summary>
    /// Writes what Kestrel has buffered (often many 4 KB blocks) in as few socket writes as possible: one block
    /// as it is, several gathered into one pooled buffer of up to 64 KB.
    /// </summary>
    private static async ValueTask WriteCoalescedAsync(Stream stream, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsSingleSegment)
        {
            await stream.WriteAsync(buffer.First, cancellationToken);
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length, CoalesceBytes));
        try
        {
            while (!buffer.IsEmpty)
            {
                var chunk = buffer.Slice(0, Math.Min(buffer.Length, rented.Length));
                chunk.CopyTo(rented);
                await stream.WriteAsync(rented.AsMemory(0, (int)chunk.Length), cancellationToken);
                buffer = buffer.Slice(chunk.End);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
