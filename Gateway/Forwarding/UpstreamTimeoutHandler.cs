namespace PyAirtable.Gateway.Forwarding;

/// <summary>
/// Bounds the wait for response headers to <see cref="ForwardingOptions.TimeoutSeconds"/>, counted from the moment
/// the whole request has been sent: a slow upload is never cut, and nothing bounds a response body in progress.
/// A timeout surfaces as <see cref="UpstreamTimeoutException"/>; the caller's own cancellation stays an
/// <see cref="OperationCanceledException"/>, so a client that goes away is never mistaken for a slow upstream.
/// </summary>
internal sealed class UpstreamTimeoutHandler : DelegatingHandler
{
    /// <summary>A route's own timeout, set on the request when it differs from the default.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> RouteTimeout = new("PyAirtable.Gateway.RouteTimeout");

    private readonly TimeSpan _timeout;

    public UpstreamTimeoutHandler(TimeSpan timeout) => _timeout = timeout;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var timeout = request.Options.TryGetValue(RouteTimeout, out var routeTimeout) ? routeTimeout : _timeout;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Content is ForwardedContent forwarded)
        {
            forwarded.ArmWhenSent(timer, timeout);
        }
        else
        {
            timer.CancelAfter(timeout);
        }

        try
        {
            return await base.SendAsync(request, timer.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException();
        }
    }
}
