using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Auth;

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new OptionsErrors(AuthOptions.Section);
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            errors.AddSecret(nameof(options.ApiKey), "is not set and no other client credentials are configured: the gateway does not run open. Set API_KEY");
        }
        else if (options.ApiKey.Length < 8 || options.ApiKey.AsSpan().ContainsAny(ApiKeyAuthenticator.InvalidKeyChars))
        {
            errors.AddSecret(nameof(options.ApiKey), "must be at least 8 characters of visible ASCII without spaces");
        }

        return errors.Result;
    }
}
