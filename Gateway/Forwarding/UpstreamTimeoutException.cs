namespace PyAirtable.Gateway.Forwarding;

/// <summary>The upstream sent no response headers within the configured time after the request was sent.</summary>
internal sealed class UpstreamTimeoutException : TimeoutException
{
    public UpstreamTimeoutException()
        : base("The upstream sent no response headers in time.")
    {
    }

    public UpstreamTimeoutException(string message)
        : base(message)
    {
    }

    public UpstreamTimeoutException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
