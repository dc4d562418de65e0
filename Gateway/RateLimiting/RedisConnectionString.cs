using System.Globalization;
using StackExchange.Redis;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// Reads <c>REDIS_URL</c> (a <c>redis://</c> / <c>rediss://</c> URL or a StackExchange.Redis configuration string) into
/// options set for a rate limiter on the request path: never block on connecting, fail commands at once while
/// disconnected instead of queueing them, reconnect in the background.
/// </summary>
internal static class RedisConnectionString
{
    public static ConfigurationOptions? TryParse(string value)
    {
        ConfigurationOptions options;
        try
        {
            options = value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)
                ? FromUrl(new Uri(value))
                : ConfigurationOptions.Parse(value);
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException or FormatException or OverflowException or RedisConnectionException)
        {
            return null;
        }

        if (options.EndPoints.Count == 0)
        {
            return null;
        }

        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.SyncTimeout = 1000;
        options.AsyncTimeout = 1000;
        options.ConnectRetry = 1;
        options.KeepAlive = 5;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "pyairtable-gateway";
        return options;
    }

    private static ConfigurationOptions FromUrl(Uri uri)
    {
        var options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? "" : uri.UserInfo[..colon]);
            var password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
            options.User = user.Length == 0 ? null : user;
            options.Password = password;
        }

        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            options.DefaultDatabase = int.Parse(database, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return options;
    }
}
