using System.IO.Pipelines;
using System.Net;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Pumps the client's request body straight from Kestrel's pipe to the upstream connection,
/// segment by segment, without knowing its length in advance and without copying it whole.
/// </summary>
internal sealed class StreamingRequestContent : ForwardedContent
{
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

            foreach (var segment in buffer)
            {
                await stream.WriteAsync(segment, cancellationToken);
            }

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
}
