using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.RateLimiting;

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new OptionsErrors(RateLimitOptions.Section);
        if (options.PerMinute < 0)
        {
            errors.Add(nameof(options.PerMinute), options.PerMinute, "must be 0 (off) or a positive number of requests per minute");
        }

        if (options.ChatPerMinute < 0)
        {
            errors.Add(nameof(options.ChatPerMinute), options.ChatPerMinute, "must be 0 (off) or a positive number of requests per minute");
        }

        for (var i = 0; i < options.Routes.Length; i++)
        {
            var policy = options.Routes[i];
            var prefix = $"{nameof(options.Routes)}:{i}:";
            var route = BuiltInRoutes.FindByPath(policy.Route);
            if (route is null)
            {
                errors.Add(prefix + nameof(policy.Route), policy.Route, "must be one of the proxied route templates");
            }
            else
            {
                var methods = BuiltInRoutes.MethodsOf(route);
                foreach (var method in policy.Methods)
                {
                    if (Array.FindIndex(methods, m => string.Equals(m, method, StringComparison.OrdinalIgnoreCase)) < 0)
                    {
                        errors.Add(prefix + nameof(policy.Methods), method, $"must be methods of {route.Path}: {string.Join(", ", methods)}");
                    }
                }
            }

            if (policy.PerMinute <= 0)
            {
                errors.Add(prefix + nameof(policy.PerMinute), policy.PerMinute, "must be a positive number of requests per minute");
            }
        }

        for (var i = 0; i < options.TrustedProxies.Length; i++)
        {
            if (!System.Net.IPNetwork.TryParse(options.TrustedProxies[i], out _) && !System.Net.IPAddress.TryParse(options.TrustedProxies[i], out _))
            {
                errors.Add($"{nameof(options.TrustedProxies)}:{i}", options.TrustedProxies[i], "must be an IP address or a CIDR range");
            }
        }

        if (!string.IsNullOrEmpty(options.Redis) && RedisConnectionString.TryParse(options.Redis) is null)
        {
            errors.AddSecret(nameof(options.Redis), "must be redis://[:password@]host[:port][/db], rediss://... or a StackExchange.Redis configuration string");
        }

        if (options.RedisTimeoutMilliseconds is < 1 or > 1000)
        {
            errors.Add(nameof(options.RedisTimeoutMilliseconds), options.RedisTimeoutMilliseconds, "must be between 1 and 1000 milliseconds");
        }

        if (string.IsNullOrEmpty(options.RedisKeyPrefix) || options.RedisKeyPrefix.AsSpan().ContainsAny('{', '}'))
        {
            errors.Add(nameof(options.RedisKeyPrefix), options.RedisKeyPrefix, "must be a non-empty prefix without braces");
        }

        return errors.Outcome;
    }
}
