using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// Per-client limits on System.Threading.RateLimiting token buckets: a global one over every <c>/api/*</c>
/// route and a stricter one for chat. A bucket of N per minute holds N tokens and refills N per minute, so a
/// burst of N is allowed and then N a minute; idle partitions are evicted, so memory stays bounded however
/// many clients appear.
/// </summary>
internal sealed class ClientRateLimiter : IDisposable
{
    private readonly Policy? _global;
    private readonly Policy? _chat;
    private readonly ClientAddress _addresses;

    public ClientRateLimiter(IOptions<RateLimitOptions> options, ClientAddress addresses)
    {
        _addresses = addresses;
        _global = Policy.Create(options.Value.PerMinute);
        _chat = Policy.Create(options.Value.ChatPerMinute);
    }

    /// <summary>Charges an authenticated request; false (and a 429 is due) when a limit is exhausted.</summary>
    public bool TryAcquire(HttpContext context, GatewayRoute route, out Rejection rejection)
    {
        var key = context.Features.Get<ClientIdentity>() is { } identity
            ? ClientKey.ForClient(identity.ClientId)
            : ClientKey.ForAddress(_addresses.Resolve(context));

        var reported = _global;
        if (_global is not null && !_global.TryAcquire(key, out rejection))
        {
            return false;
        }

        if (route.IsChat && _chat is not null)
        {
            reported = _chat;
            if (!_chat.TryAcquire(key, out rejection))
            {
                return false;
            }
        }

        reported?.WriteHeaders(context.Response, key);
        rejection = default;
        return true;
    }

    /// <summary>Charges a request that failed authentication to its address under the global limit; writes the 429 itself.</summary>
    public async ValueTask<bool> TryAcquireUnauthenticatedAsync(HttpContext context)
    {
        if (_global is null)
        {
            return true;
        }

        var key = ClientKey.ForAddress(_addresses.Resolve(context));
        if (_global.TryAcquire(key, out var rejection))
        {
            return true;
        }

        await WriteRejectionAsync(context, rejection);
        return false;
    }

    public static Task WriteRejectionAsync(HttpContext context, Rejection rejection)
    {
        Observability.RequestTelemetry.RateLimited(context);
        var headers = context.Response.Headers;
        headers[GatewayHeaders.RateLimitLimit] = rejection.Limit;
        headers[GatewayHeaders.RateLimitRemaining] = "0";
        var seconds = Math.Max(1, (long)Math.Ceiling(rejection.RetryAfter.TotalSeconds));
        headers[GatewayHeaders.RateLimitReset] = seconds.ToString(CultureInfo.InvariantCulture);
        return ProblemResponse.WriteRetryAfterAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"Rate limit of {rejection.Limit} requests per minute exceeded; retry later.", rejection.RetryAfter);
    }

    public void Dispose()
    {
        _global?.Dispose();
        _chat?.Dispose();
    }

    /// <summary>Why a request was refused: the limit and when a request will be allowed again.</summary>
    internal readonly record struct Rejection(string Limit, TimeSpan RetryAfter);

    private sealed class Policy : IDisposable
    {
        private readonly PartitionedRateLimiter<ClientKey> _limiter;
        private readonly StringValues _limitText;
        private readonly TimeSpan _period;

        private Policy(int perMinute)
        {
            var tokensPerPeriod = Math.Max(1, perMinute / 60);
            _period = TimeSpan.FromTicks(TimeSpan.FromMinutes(1).Ticks * tokensPerPeriod / perMinute);
            _limitText = perMinute.ToString(CultureInfo.InvariantCulture);
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = _period,
                QueueLimit = 0,
                AutoReplenishment = false,
            };
            _limiter = PartitionedRateLimiter.Create<ClientKey, ClientKey>(
                key => RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket));
        }

        public static Policy? Create(int perMinute) => perMinute > 0 ? new Policy(perMinute) : null;

        public bool TryAcquire(ClientKey key, out Rejection rejection)
        {
            using var lease = _limiter.AttemptAcquire(key);
            if (lease.IsAcquired)
            {
                rejection = default;
                return true;
            }

            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _period;
            rejection = new Rejection(_limitText.ToString(), retryAfter);
            return false;
        }

        public void WriteHeaders(HttpResponse response, ClientKey key)
        {
            var remaining = _limiter.GetStatistics(key)?.CurrentAvailablePermits ?? 0;
            var headers = response.Headers;
            headers[GatewayHeaders.RateLimitLimit] = _limitText;
            headers[GatewayHeaders.RateLimitRemaining] = remaining.ToString(CultureInfo.InvariantCulture);
            headers[GatewayHeaders.RateLimitReset] = remaining > 0 ? "0" : Math.Max(1, (long)Math.Ceiling(_period.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        public void Dispose() => _limiter.Dispose();
    }
}
