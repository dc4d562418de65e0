using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Resilience;

/// <summary>
/// What counts against an instance's circuit: a 5xx answer, a connection failure or a timeout. A client that
/// went away (the caller's token fired) or sent a broken body is never the instance's fault.
/// </summary>
internal static class UpstreamFailures
{
    public static ForwardVerdict Judge(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 ? ForwardVerdict.Failure : ForwardVerdict.Success;

    public static ForwardVerdict Judge(Exception exception, CancellationToken callerToken) =>
        callerToken.IsCancellationRequested || IsClientFault(exception) ? ForwardVerdict.NoVerdict : ForwardVerdict.Failure;

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
