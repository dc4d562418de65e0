namespace PyAirtable.Gateway.Forwarding;

/// <summary>A request body of unknown length grew past the limit while it was streamed.</summary>
internal sealed class RequestBodyTooLargeException : IOException
{
    public RequestBodyTooLargeException()
        : base("The request body is larger than the limit.")
    {
    }

    public RequestBodyTooLargeException(string message)
        : base(message)
    {
    }

    public RequestBodyTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
