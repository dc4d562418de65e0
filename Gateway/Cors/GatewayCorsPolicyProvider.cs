using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Cors;

/// <summary>
/// The gateway's one CORS policy, built from the current <see cref="GatewayCorsOptions"/> and rebuilt when they reload.
/// Each request gets the same completed task until then: no allocation per request.
/// </summary>
internal sealed class GatewayCorsPolicyProvider : ICorsPolicyProvider
{
    private volatile Task<CorsPolicy?> _policy;

    public GatewayCorsPolicyProvider(ReloadableOptions<GatewayCorsOptions> options)
    {
        _policy = Build(options.Current);
        options.Changed += changed => _policy = Build(changed);
    }

    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName) => _policy;

    /// <summary>The allowlist; credentials only with named origins, never with <c>*</c>.</summary>
    private static Task<CorsPolicy?> Build(GatewayCorsOptions options)
    {
        var policy = new CorsPolicyBuilder();
        var origins = options.OriginList;
        if (origins is ["*"])
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins(origins).AllowCredentials();
        }

        policy.AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders(GatewayHeaders.RequestId, HeaderNames.RetryAfter, GatewayHeaders.RateLimitLimit, GatewayHeaders.RateLimitRemaining, GatewayHeaders.RateLimitReset)
            .SetPreflightMaxAge(TimeSpan.FromSeconds(options.PreflightMaxAgeSeconds));
        return Task.FromResult<CorsPolicy?>(policy.Build());
    }
}
