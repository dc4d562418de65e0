using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Cors;

internal sealed class GatewayCorsOptionsValidator : IValidateOptions<GatewayCorsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayCorsOptions options)
    {
        var errors = new OptionsErrors(GatewayCorsOptions.Section);
        var origins = options.OriginList;
        foreach (var origin in origins)
        {
            if (origin == "*")
            {
                if (origins.Length > 1)
                {
                    errors.Add(nameof(options.Origins), options.Origins, "may be '*' alone or a list of origins, not both");
                }

                continue;
            }

            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.AbsolutePath != "/" || origin.EndsWith('/'))
            {
                errors.Add(nameof(options.Origins), origin, "must list origins like https://app.example.com (scheme, host, optional port; no path)");
            }
        }

        if (options.PreflightMaxAgeSeconds < 0)
        {
            errors.Add(nameof(options.PreflightMaxAgeSeconds), options.PreflightMaxAgeSeconds, "must not be negative");
        }

        return errors.Outcome;
    }
}
