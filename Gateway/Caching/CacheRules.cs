using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PyAirtable.Gateway.Caching;

/// <summary>Why a response is not stored (<see cref="CacheRules.Decide"/>); <see cref="Storable"/> when it is.</summary>
internal enum StoreVerdict
{
    Storable,
    Method,
    Status,
    RequestNoStore,
    NoStore,
    Private,
    VaryAny,
    SetCookie,
    PartialContent,
    Unidentified,
    NoFreshness,
}

/// <summary>What <see cref="CacheRules.Decide"/> found about a response.</summary>
internal readonly record struct StoreDecision(StoreVerdict Verdict, bool Shared, TimeSpan Lifetime, CacheControl Directives)
{
    public bool Storable => Verdict == StoreVerdict.Storable;
}

/// <summary>
/// RFC 9111's rules for a shared cache, as pure functions: whether a response may be stored (§3), its freshness
/// lifetime (§4.2.1: <c>s-maxage</c>, then <c>max-age</c>, then <c>Expires</c> minus <c>Date</c>, then the route's
/// default TTL as the heuristic of §4.2.2, only where that section allows one), its age (§4.2.3), and whether a
/// stored response may answer a request (§4.2, §5.2.1 request directives).
/// </summary>
internal static class CacheRules
{
    /// <summary>Whether <paramref name="status"/> is one a cache understands and may store (with explicit freshness at least).</summary>
    public static bool IsUnderstood(int status) => status is 200 or 203 or 204 or 300 or 301 or 302 or 307 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>Status codes heuristically cacheable (RFC 9110 §15.1).</summary>
    public static bool IsHeuristicallyCacheable(int status) => status is 200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>
    /// Whether a GET's response may be stored and how: shared across clients only when the service marked it
    /// <c>public</c> or gave <c>s-maxage</c> (the gateway authenticates every client itself, so every request counts
    /// as carrying <c>Authorization</c>, §3.5); otherwise bound to <paramref name="hasIdentity"/>'s client, and not
    /// stored at all when there is no identity but the request carried credentials of its own.
    /// </summary>
    public static StoreDecision Decide(
        int status, IHeaderDictionary response, in CacheControl request, bool hasIdentity, bool requestHasCredentials,
        RouteCacheSettings settings, DateTimeOffset now)
    {
        var directives = CacheControl.Parse(response.CacheControl);
        StoreDecision No(StoreVerdict verdict) => new(verdict, false, TimeSpan.Zero, directives);

        if (!IsUnderstood(status))
        {
            return No(StoreVerdict.Status);
        }

        if (request.NoStore)
        {
            return No(StoreVerdict.RequestNoStore);
        }

        if (directives.NoStore)
        {
            return No(StoreVerdict.NoStore);
        }

        if (directives.Private)
        {
            return No(StoreVerdict.Private);
        }

        if (HasVaryAny(response.Vary))
        {
            return No(StoreVerdict.VaryAny);
        }

        if (response.SetCookie.Count > 0)
        {
            return No(StoreVerdict.SetCookie);
        }

        if (response.ContainsKey(HeaderNames.ContentRange))
        {
            return No(StoreVerdict.PartialContent);
        }

        var shared = directives.Public || directives.SharedMaxAge is not null;
        if (!shared && !hasIdentity && requestHasCredentials)
        {
            return No(StoreVerdict.Unidentified);
        }

        var lifetime = Lifetime(status, response, directives, settings, now);
        if (lifetime is null)
        {
            // Without freshness a response is still worth keeping when it can be validated.
            var validators = response.ETag.Count > 0 || response.LastModified.Count > 0;
            if (!validators || !(IsHeuristicallyCacheable(status) || directives.Public))
            {
                return No(StoreVerdict.NoFreshness);
            }

            lifetime = TimeSpan.Zero;
        }

        return new StoreDecision(StoreVerdict.Storable, shared, lifetime.Value, directives);
    }

    /// <summary>The freshness lifetime (§4.2.1), capped by the route's <c>MaxTtlSeconds</c>; null when the response gives none and no heuristic applies.</summary>
    public static TimeSpan? Lifetime(int status, IHeaderDictionary response, in CacheControl directives, RouteCacheSettings settings, DateTimeOffset now)
    {
        TimeSpan? lifetime;
        if (directives.SharedMaxAge is { } shared)
        {
            lifetime = TimeSpan.FromSeconds(shared);
        }
        else if (directives.MaxAge is { } maxAge)
        {
            lifetime = TimeSpan.FromSeconds(maxAge);
        }
        else if (response.Expires.Count > 0)
        {
            // An invalid Expires (such as "0") means already expired (§5.3).
            var expires = ParseDate(response.Expires);
            var date = ParseDate(response.Date) ?? now;
            lifetime = expires is { } e && e > date ? e - date : TimeSpan.Zero;
        }
        else if (settings.DefaultTtl is { } heuristic && (IsHeuristicallyCacheable(status) || directives.Public))
        {
            lifetime = heuristic;
        }
        else
        {
            return null;
        }

        return settings.MaxTtl is { } cap && lifetime > cap ? cap : lifetime;
    }

    /// <summary>corrected_initial_age (§4.2.3): the larger of the <c>Age</c> header and the apparent age from <c>Date</c>, plus the response delay.</summary>
    public static TimeSpan InitialAge(IHeaderDictionary response, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var apparent = TimeSpan.Zero;
        if (ParseDate(response.Date) is { } date && responseTime > date)
        {
            apparent = responseTime - date;
        }

        var ageValue = TimeSpan.Zero;
        if (response.Age.Count > 0 && response.Age[0] is { Length: > 0 } age)
        {
            ageValue = TimeSpan.FromSeconds(CacheControl.Delta(age.AsSpan().Trim()));
        }

        var delay = responseTime > requestTime ? responseTime - requestTime : TimeSpan.Zero;
        var corrected = ageValue + delay;
        return apparent > corrected ? apparent : corrected;
    }

    /// <summary>How a stored response may answer a request (§4.2, §4.2.4, §5.2.1).</summary>
    public static Reuse CanReuse(CachedResponse entry, in CacheControl request, DateTimeOffset now)
    {
        if (request.NoCache)
        {
            return Reuse.RequestRefuses;
        }

        if (entry.AlwaysValidate)
        {
            return Reuse.Stale;
        }

        var age = entry.Age(now);
        if (request.MaxAge is { } maxAge && age > TimeSpan.FromSeconds(maxAge))
        {
            return Reuse.RequestRefuses;
        }

        var lifetime = entry.FreshnessLifetime;
        if (request.MinFresh is { } minFresh && lifetime - age < TimeSpan.FromSeconds(minFresh))
        {
            return Reuse.RequestRefuses;
        }

        if (age < lifetime)
        {
            return Reuse.Fresh;
        }

        // Stale: only where the request accepts it and the response allows it.
        var staleness = age - lifetime;
        if (!entry.NoStaleReuse && (request.MaxStaleAny || (request.MaxStale is { } maxStale && staleness <= TimeSpan.FromSeconds(maxStale))))
        {
            return Reuse.StaleAccepted;
        }

        // RFC 5861 §3: within the service's stale-while-revalidate window the stale entry answers, and a background request refreshes it.
        if (entry.StaleWhileRevalidate is { } window && staleness <= window)
        {
            return Reuse.StaleWhileRevalidate;
        }

        return Reuse.Stale;
    }

    /// <summary>
    /// RFC 5861 §4: whether <paramref name="entry"/> may answer in place of an error (a 5xx, the service unreachable,
    /// its circuit open): when its staleness is within the response's <c>stale-if-error</c> or, unless the response
    /// forbids stale answers, the request's. A request's <c>no-cache</c> refuses it.
    /// </summary>
    public static bool CanServeOnError(CachedResponse entry, in CacheControl request, DateTimeOffset now)
    {
        if (request.NoCache || entry.AlwaysValidate)
        {
            return false;
        }

        var staleness = entry.Age(now) - entry.FreshnessLifetime;
        if (entry.StaleIfError is { } window && staleness <= window)
        {
            return true;
        }

        return !entry.NoStaleReuse && request.StaleIfError is { } asked && staleness <= TimeSpan.FromSeconds(asked);
    }

    /// <summary>Whether a failure answer may be replaced by <paramref name="entry"/> at all (the request or the response named <c>stale-if-error</c>).</summary>
    public static bool MayServeOnError(CachedResponse entry, in CacheControl request) =>
        entry.StaleIfError is not null || (request.StaleIfError is not null && !entry.NoStaleReuse);

    /// <summary>An HTTP-date (IMF-fixdate and the obsolete forms); null when absent or invalid.</summary>
    public static DateTimeOffset? ParseDate(StringValues value) =>
        value.Count > 0 && HeaderUtilities.TryParseDate(value[0], out var date) ? date : null;

    private static bool HasVaryAny(StringValues vary)
    {
        for (var i = 0; i < vary.Count; i++)
        {
            if (vary[i] is { } value && value.AsSpan().IndexOf('*') >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The field names of <c>Vary</c>, lower-cased and without duplicates.</summary>
    public static string[] VaryNames(StringValues vary)
    {
        if (vary.Count == 0)
        {
            return [];
        }

        var names = new List<string>();
        for (var i = 0; i < vary.Count; i++)
        {
            var value = vary[i].AsSpan();
            foreach (var range in value.Split(','))
            {
                var name = value[range].Trim();
                if (name.Length > 0)
                {
                    var text = name.ToString().ToLowerInvariant();
                    if (!names.Contains(text))
                    {
                        names.Add(text);
                    }
                }
            }
        }

        return [.. names];
    }

    public static string Seconds(TimeSpan span) => ((long)Math.Max(0, span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>Whether a stored response may answer a request.</summary>
internal enum Reuse
{
    Fresh,

    /// <summary>Stale, but the request's <c>max-stale</c> accepts it.</summary>
    StaleAccepted,

    /// <summary>Stale (or must be validated): the service is asked.</summary>
    Stale,

    /// <summary>The request's directives (<c>no-cache</c>, <c>max-age</c>, <c>min-fresh</c>) refuse it.</summary>
    RequestRefuses,

    /// <summary>Stale, within the response's <c>stale-while-revalidate</c>: it answers, and the service is asked in the background.</summary>
    StaleWhileRevalidate,
}
