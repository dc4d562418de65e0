namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Outcome of feeding bytes to the <see cref="ResponseParser"/>.</summary>
internal enum ParseStatus
{
    /// <summary>The response is not complete yet: feed the unconsumed bytes again with more.</summary>
    NeedMore,

    /// <summary>A whole response was consumed.</summary>
    Complete,

    /// <summary>Not an HTTP/1.1 response this parser can frame.</summary>
    Invalid,
}
