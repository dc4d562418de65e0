using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// The outcome of charging a request: the policy that decided (the one that refused, or the most restrictive one that
/// allowed), how many requests remain and how long until the next one is available (the retry delay when refused).
/// </summary>
internal readonly record struct RateDecision(RatePolicy? Policy, bool Allowed, long Remaining, TimeSpan Reset)
{
    /// <summary>No policy applies.</summary>
    public static RateDecision Unlimited => new(null, true, 0, TimeSpan.Zero);

    /// <summary>Keeps the more restrictive of two allowing decisions.</summary>
    public RateDecision Tighter(RateDecision other) =>
        Policy is null || other.Remaining < Remaining ? other : this;

    /// <summary>Whole seconds until a request is available again; 0 when one is available now, else at least 1.</summary>
    public long ResetSeconds => Allowed && Remaining > 0 ? 0 : Math.Max(1, (long)Math.Ceiling(Reset.TotalSeconds));

    /// <summary><c>RateLimit-Limit</c>, <c>-Remaining</c>, <c>-Reset</c> (and <c>Retry-After</c> on a refusal is the caller's).</summary>
    public void WriteHeaders(HttpResponse response)
    {
        if (Policy is null)
        {
            return;
        }

        var headers = response.Headers;
        headers[GatewayHeaders.RateLimitLimit] = Policy.LimitText;
        headers[GatewayHeaders.RateLimitRemaining] = RatePolicy.Format(Allowed ? Remaining : 0);
        headers[GatewayHeaders.RateLimitReset] = RatePolicy.Format(ResetSeconds);
    }
}
