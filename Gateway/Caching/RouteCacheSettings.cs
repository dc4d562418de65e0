using System.Collections.Frozen;
using System.Globalization;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Caching;

/// <summary>A route's cache settings as configured (<c>Gateway:Routes:&lt;name&gt;:Cache</c>): plain text, checked by <see cref="RouteCacheSettings.TryCreate"/>.</summary>
internal sealed record CacheDefinition(string? Enabled, string? MaxTtlSeconds, string? DefaultTtlSeconds, string? MaxObjectBytes, string[] KeyHeaders);

/// <summary>A route's cache settings, validated: whether its GET/HEAD responses are cached, and how.</summary>
internal sealed class RouteCacheSettings
{
    /// <summary>The fields of <c>Gateway:Routes:&lt;name&gt;:Cache</c>.</summary>
    public static readonly string[] Fields = ["Enabled", "MaxTtlSeconds", "DefaultTtlSeconds", "MaxObjectBytes", "KeyHeaders"];

    /// <summary>Default largest body stored (larger responses stream through uncached).</summary>
    public const long DefaultMaxObjectBytes = 1024 * 1024;

    /// <summary>Largest allowed <see cref="MaxObjectBytes"/>.</summary>
    public const long MaxObjectBytesLimit = 64L * 1024 * 1024;

    /// <summary>The longest lifetime any entry gets, whatever the service says (the cap); null: none.</summary>
    public TimeSpan? MaxTtl { get; init; }

    /// <summary>The lifetime of a response without freshness information (heuristic); null (default): such responses are not reused without validation.</summary>
    public TimeSpan? DefaultTtl { get; init; }

    public long MaxObjectBytes { get; init; } = DefaultMaxObjectBytes;

    /// <summary>Request headers whose values are part of the key (besides those the response's <c>Vary</c> names).</summary>
    public string[] KeyHeaders { get; init; } = [];

    /// <summary>The settings for <paramref name="definition"/>; null when the cache is off (or on a problem, added to <paramref name="errors"/>).</summary>
    public static RouteCacheSettings? TryCreate(CacheDefinition? definition, string key, List<string> errors)
    {
        if (definition is null)
        {
            return null;
        }

        key += ":Cache";
        var count = errors.Count;
        var enabled = true;
        if (definition.Enabled is { Length: > 0 } text && !bool.TryParse(text, out enabled))
        {
            errors.Add($"{key}:Enabled must be true or false (got '{text}').");
        }

        var maxTtl = Seconds(definition.MaxTtlSeconds, $"{key}:MaxTtlSeconds", errors);
        var defaultTtl = Seconds(definition.DefaultTtlSeconds, $"{key}:DefaultTtlSeconds", errors);
        if (maxTtl is { } cap && defaultTtl > cap)
        {
            errors.Add($"{key}:DefaultTtlSeconds must not exceed {key}:MaxTtlSeconds.");
        }

        var maxObject = DefaultMaxObjectBytes;
        if (definition.MaxObjectBytes is { Length: > 0 } size
            && (!long.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxObject) || maxObject < 1 || maxObject > MaxObjectBytesLimit))
        {
            errors.Add($"{key}:MaxObjectBytes must be a whole number of bytes from 1 to {MaxObjectBytesLimit} (got '{size}').");
        }

        foreach (var header in definition.KeyHeaders)
        {
            RouteTableBuilder.CheckHeaderName(header, $"{key}:KeyHeaders", FrozenSet<string>.Empty, errors);
        }

        if (errors.Count > count || !enabled)
        {
            return null;
        }

        return new RouteCacheSettings { MaxTtl = maxTtl, DefaultTtl = defaultTtl, MaxObjectBytes = maxObject, KeyHeaders = definition.KeyHeaders };
    }

    private static TimeSpan? Seconds(string? text, string key, List<string> errors)
    {
        if (text is not { Length: > 0 })
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds < 1 || seconds > 31_536_000)
        {
            errors.Add($"{key} must be a whole number of seconds from 1 to 31536000 (got '{text}').");
            return null;
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
