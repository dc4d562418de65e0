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

        for (var i = 0; i < options.TrustedProxies.Length; i++)
        {
            if (!System.Net.IPNetwork.TryParse(options.TrustedProxies[i], out _) && !System.Net.IPAddress.TryParse(options.TrustedProxies[i], out _))
            {
                errors.Add($"{nameof(options.TrustedProxies)}:{i}", options.TrustedProxies[i], "must be an IP address or a CIDR range");
            }
        }

        return errors.Result;
    }
}
