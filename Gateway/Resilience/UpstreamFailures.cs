using Polly;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Resilience;

/// <summary>
/// What counts against a service's circuit: a 5xx answer, a connection failure or a timeout. A client that
/// went away (the caller's token fired) or sent a broken body is never the service's fault.
/// </summary>
internal static class UpstreamFailures
{
    public static ValueTask<bool> Counts(Outcome<HttpResponseMessage> outcome, CancellationToken callerToken)
    {
        if (outcome.Exception is { } exception)
        {
            return ValueTask.FromResult(!callerToken.IsCancellationRequested && !IsClientFault(exception));
        }

        return ValueTask.FromResult(outcome.Result is { } response && (int)response.StatusCode >= 500);
    }

    public static bool IsClientFault(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ClientBodyException)
            {
                return true;
            }
        }

        return false;
    }
}
