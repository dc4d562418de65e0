using System.Net;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// A forwarded request body. It records a failure to read from the client (so that failure is not
/// blamed on the upstream) and starts the response-headers timer once the whole body has been sent.
/// </summary>
internal abstract class ForwardedContent : HttpContent
{
    private CancellationTokenSource? _headersTimer;
    private TimeSpan _headersTimeout;

    /// <summary>The exception that reading the client's body threw, if it did.</summary>
    public Exception? ClientFailure { get; protected set; }

    /// <summary>Called by <see cref="HttpForwarder.SendAsync"/>: <paramref name="timer"/> is armed when the body has been sent.</summary>
    public void ArmWhenSent(CancellationTokenSource timer, TimeSpan timeout)
    {
        _headersTimeout = timeout;
        _headersTimer = timer;
    }

    protected void BodySent() => _headersTimer?.CancelAfter(_headersTimeout);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected abstract override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken);

    protected override Task<Stream> CreateContentReadStreamAsync() =>
        throw new NotSupportedException("A forwarded body is streamed once and cannot be read back.");
}
