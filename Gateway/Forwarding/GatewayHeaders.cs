namespace PyAirtable.Gateway.Forwarding;

/// <summary>Header names the gateway reads or writes that ASP.NET Core's <c>HeaderNames</c> lacks.</summary>
internal static class GatewayHeaders
{
    public const string ApiKey = "X-API-Key";
    public const string ClientId = "X-Client-Id";
    public const string RequestId = "X-Request-ID";
    public const string ForwardedFor = "X-Forwarded-For";
    public const string ForwardedProto = "X-Forwarded-Proto";
    public const string ForwardedHost = "X-Forwarded-Host";
    public const string RateLimitLimit = "RateLimit-Limit";
    public const string RateLimitRemaining = "RateLimit-Remaining";
    public const string RateLimitReset = "RateLimit-Reset";
}
