using System.Net;
using System.Text;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Auth;

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <summary>The shortest HS256 secret accepted, in UTF-8 bytes (the hash's own size, RFC 7518 §3.2).</summary>
    public const int MinSecretBytes = 32;

    /// <summary>The largest clock skew accepted, in seconds (the framework's default is five minutes).</summary>
    public const int MaxClockSkewSeconds = 30;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new OptionsErrors(AuthOptions.Section);
        if (!options.HasAnyCredential)
        {
            errors.AddSecret(nameof(options.ApiKey),
                "is not set and no other client credentials are configured: the gateway does not run open. Set API_KEY, JWT_SECRET, JWT_AUTHORITY or Gateway:Auth:Keys");
        }
        else if (!string.IsNullOrEmpty(options.ApiKey) && !IsUsableKey(options.ApiKey))
        {
            errors.AddSecret(nameof(options.ApiKey), "must be at least 8 characters of visible ASCII without spaces");
        }

        ValidateKeys(options, errors);
        ValidateJwt(options.Jwt, errors);
        ValidateRouteScopes(options.RouteScopes, errors);
        return errors.Outcome;
    }

    private static bool IsUsableKey(string key) =>
        key.Length >= 8 && key.Length <= ApiKeyAuthenticator.MaxKeyLength && !key.AsSpan().ContainsAny(ApiKeyAuthenticator.InvalidKeyChars);

    private static void ValidateKeys(AuthOptions options, OptionsErrors errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            names.Add(ClientIdentity.DefaultName);
        }

        for (var i = 0; i < options.Keys.Length; i++)
        {
            var key = options.Keys[i];
            var prefix = $"{nameof(options.Keys)}:{i}:";
            if (string.IsNullOrWhiteSpace(key.Name) || key.Name.AsSpan().ContainsAny(ApiKeyAuthenticator.InvalidKeyChars))
            {
                errors.Add(prefix + nameof(key.Name), key.Name, "must be a name of visible ASCII without spaces");
            }
            else if (!names.Add(key.Name))
            {
                errors.Add(prefix + nameof(key.Name), key.Name, "is used by another key (the API_KEY client is named 'default')");
            }

            var hasKey = !string.IsNullOrEmpty(key.Key);
            var hasHash = !string.IsNullOrEmpty(key.KeySha256);
            if (hasKey == hasHash)
            {
                errors.AddSecret(prefix + nameof(key.Key), $"or {nameof(key.KeySha256)} must be set, exactly one of them");
            }
            else if (hasKey && !IsUsableKey(key.Key!))
            {
                errors.AddSecret(prefix + nameof(key.Key), "must be at least 8 characters of visible ASCII without spaces");
            }
            else if (hasHash && (key.KeySha256!.Length != 64 || !IsHex(key.KeySha256)))
            {
                errors.Add(prefix + nameof(key.KeySha256), key.KeySha256, "must be the key's SHA-256 as 64 hex digits");
            }

            for (var s = 0; s < key.Scopes.Length; s++)
            {
                if (!IsScope(key.Scopes[s]))
                {
                    errors.Add($"{prefix}{nameof(key.Scopes)}:{s}", key.Scopes[s], "must be a scope name of visible ASCII without spaces");
                }
            }
        }
    }

    private static void ValidateJwt(JwtOptions jwt, OptionsErrors errors)
    {
        const string Prefix = nameof(AuthOptions.Jwt) + ":";
        var hasSecret = !string.IsNullOrEmpty(jwt.Secret);
        var hasAuthority = !string.IsNullOrEmpty(jwt.Authority);
        if (hasSecret && hasAuthority)
        {
            errors.Add(Prefix + nameof(jwt.Authority), jwt.Authority, "cannot be combined with JWT_SECRET: configure one way of verifying tokens");
        }

        if (hasSecret && Encoding.UTF8.GetByteCount(jwt.Secret!) < MinSecretBytes)
        {
            errors.AddSecret(Prefix + nameof(jwt.Secret), $"must be at least {MinSecretBytes} bytes (UTF-8) for HS256");
        }

        if (hasAuthority && !IsAcceptableAuthority(jwt.Authority!))
        {
            errors.Add(Prefix + nameof(jwt.Authority), jwt.Authority, "must be an absolute https URL (http only for a loopback address)");
        }

        if (jwt.ClockSkewSeconds < 0 || jwt.ClockSkewSeconds > MaxClockSkewSeconds)
        {
            errors.Add(Prefix + nameof(jwt.ClockSkewSeconds), jwt.ClockSkewSeconds, $"must be between 0 and {MaxClockSkewSeconds} seconds");
        }

        if (jwt.KeysRefreshMinutes < 1)
        {
            errors.Add(Prefix + nameof(jwt.KeysRefreshMinutes), jwt.KeysRefreshMinutes, "must be at least 1 minute");
        }

        if (!jwt.Enabled && (!string.IsNullOrEmpty(jwt.Issuer) || !string.IsNullOrEmpty(jwt.Audience)))
        {
            errors.Add(Prefix + nameof(jwt.Issuer), jwt.Issuer ?? jwt.Audience, "and JWT_AUDIENCE need JWT_SECRET or JWT_AUTHORITY");
        }
    }

    /// <summary>An absolute https URL, or http to a loopback host (a local identity provider in development and tests).</summary>
    internal static bool IsAcceptableAuthority(string authority)
    {
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        return uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri));
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static void ValidateRouteScopes(RouteScopeOptions[] rules, OptionsErrors errors)
    {
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            var prefix = $"{nameof(AuthOptions.RouteScopes)}:{i}:";
            var route = RouteScopes.FindRoute(rule.Route);
            if (route is null)
            {
                errors.Add(prefix + nameof(rule.Route), rule.Route,
                    "must be one of the proxied route templates: " + string.Join(", ", Array.ConvertAll(GatewayRoutes.All, static r => r.Template)));
                continue;
            }

            foreach (var method in rule.Methods)
            {
                if (Array.FindIndex(route.Methods, m => string.Equals(m, method, StringComparison.OrdinalIgnoreCase)) < 0)
                {
                    errors.Add(prefix + nameof(rule.Methods), method, $"must be methods of {route.Template}: {string.Join(", ", route.Methods)}");
                }
            }

            if (!IsScope(rule.Scope))
            {
                errors.Add(prefix + nameof(rule.Scope), rule.Scope, "must be a scope name of visible ASCII without spaces");
            }
        }
    }

    private static bool IsScope(string? scope) =>
        !string.IsNullOrEmpty(scope) && !scope.AsSpan().ContainsAny(ApiKeyAuthenticator.InvalidKeyChars);

    private static bool IsHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
