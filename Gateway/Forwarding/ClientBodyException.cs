namespace PyAirtable.Gateway.Forwarding;

/// <summary>Reading the client's request body failed: the client's fault, never counted against an upstream.</summary>
internal sealed class ClientBodyException : IOException
{
    public ClientBodyException(Exception inner)
        : base("The client's request body could not be read.", inner)
    {
    }

    public ClientBodyException()
    {
    }

    public ClientBodyException(string message)
        : base(message)
    {
    }

    public ClientBodyException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
