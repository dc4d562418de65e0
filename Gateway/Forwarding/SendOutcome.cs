using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Forwarding;

/// <summary>The end of the attempts for one request: a response from <see cref="Instance"/> (whose lease the caller releases), or the last failure.</summary>
internal readonly record struct SendOutcome(HttpResponseMessage? Response, UpstreamInstance Instance, Exception? Failure, int Retries);
