namespace PyAirtable.Gateway.Forwarding;

/// <summary>How a forward ended, before any response was started; <see cref="HttpForwarder"/> maps each to one status.</summary>
internal enum ForwardOutcome
{
    /// <summary>The upstream answered; its response is passed on.</summary>
    Success,

    /// <summary>The client went away: no response at all, and no blame on the upstream.</summary>
    ClientAborted,

    /// <summary>The client's body broke the framing or the limit while it was streamed (Kestrel says which status).</summary>
    ClientBodyInvalid,

    /// <summary>Connect or send failed, or the connection was reset before response headers: 502.</summary>
    UpstreamUnreachable,

    /// <summary>No response headers within the upstream timeout: 504.</summary>
    UpstreamTimeout,

    /// <summary>The service's circuit is open: 503 without contacting it.</summary>
    CircuitOpen,
}
