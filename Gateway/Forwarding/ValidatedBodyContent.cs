using System.Buffers;
using System.Net;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>A request body that was read whole (bounded by the body limit) to be validated, forwarded from the pipe's own buffers.</summary>
internal sealed class ValidatedBodyContent : ForwardedContent
{
    private readonly ReadOnlySequence<byte> _body;

    public ValidatedBodyContent(ReadOnlySequence<byte> body) => _body = body;

    /// <summary>The body, for a later step of the route that reads it (valid until the step that held it returns).</summary>
    public ReadOnlySequence<byte> Body => _body;

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        foreach (var segment in _body)
        {
            await stream.WriteAsync(segment, cancellationToken);
        }

        await stream.FlushAsync(cancellationToken);
        BodySent();
    }
}
