using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;
using PyAirtable.Gateway.Routing.Pipeline;

namespace PyAirtable.Gateway.Caching;

/// <summary>
/// The response cache of a route (<c>Gateway:Routes:&lt;name&gt;:Cache</c>), an RFC 9111 shared cache. GET and HEAD
/// are answered from a stored GET response when it may be reused; otherwise the request goes on (collapsed with
/// identical concurrent misses, conditional when a stale entry has validators) and the response is copied while it
/// streams to the client (<see cref="ResponseCapture"/>), then stored when it is storable and arrived whole. A
/// successful unsafe request invalidates its URL and its <c>Location</c>/<c>Content-Location</c>.
/// </summary>
internal sealed partial class CacheStep : RouteStep
{
    private readonly GatewayRoute _route;
    private readonly RouteCacheSettings _settings;
    private readonly MemoryResponseCache _cache;
    private readonly RedisResponseCache _shared;
    private readonly RequestCollapser _collapser;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _collapseWait;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    private CacheStep(
        GatewayRoute route, RouteCacheSettings settings, MemoryResponseCache cache, RedisResponseCache shared, RequestCollapser collapser, CacheMetrics metrics,
        TimeProvider time, TimeSpan collapseWait, ILogger logger, RouteStep next, CancellationToken stopping)
        : base(next)
    {
        _stopping = stopping;
        _route = route;
        _settings = settings;
        _cache = cache;
        _shared = shared;
        _collapser = collapser;
        _metrics = metrics;
        _time = time;
        _collapseWait = collapseWait;
        _logger = logger;
    }

    public override string Name => "cache";

    public override Task InvokeAsync(HttpContext context, ForwardedContent? body)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            return Lookup(context, body);
        }

        if (HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method))
        {
            return Next!.InvokeAsync(context, body);
        }

        return UnsafeAsync(context, body);
    }

    private Task Lookup(HttpContext context, ForwardedContent? body)
    {
        var request = context.Request;
        var directives = CacheControl.Parse(request.Headers.CacheControl);
        if (request.Headers.CacheControl.Count == 0 && HasNoCachePragma(request.Headers.Pragma))
        {
            directives.NoCache = true;
        }

        var identity = context.Features.Get<ClientIdentity>()?.ClientId;
        var path = request.Path.Value ?? "/";
        var query = request.QueryString.Value ?? "";
        var now = _time.GetUtcNow();
        var entry = _cache.Find(path, query, identity, request, out var pathKnown);

        // Hit-for-miss: the URL's last answer could not be stored, so neither Redis nor a concurrent request will have
        // one, and this answer is passed through without a copy.
        if (entry is null && !directives.OnlyIfCached && _collapser.IsUncacheable(path, query, now))
        {
            return PassAsync(context, body, directives, identity, path, query, directives.NoCache ? CacheStatus.Request : pathKnown ? CacheStatus.Miss : CacheStatus.UriMiss);
        }

        return LookupAsync(context, body, directives, identity, path, query, now, entry, pathKnown);
    }

    /// <summary>
    /// A miss for a URL whose last answer could not be stored: forwarded as it is, uncollapsed and not copied. When this
    /// answer could have been stored, the mark is dropped, so the URL's next miss is copied and stored again.
    /// </summary>
    private async Task PassAsync(HttpContext context, ForwardedContent? body, CacheControl directives, string? identity, string path, string query, string forward)
    {
        _metrics.Miss(_route.Name);
        var response = context.Response;
        response.Headers[CacheStatus.Header] = forward;
        await Next!.InvokeAsync(context, body);
        if (!HttpMethods.IsHead(context.Request.Method) && response.StatusCode < 500 && DecideStore(context, directives, identity).Storable)
        {
            _collapser.ClearUncacheable(path, query);
        }
    }

    /// <summary>Whether the response now in <paramref name="context"/> may be stored for this request (RFC 9111 §3).</summary>
    private StoreDecision DecideStore(HttpContext context, in CacheControl directives, string? identity)
    {
        var request = context.Request;
        var response = context.Response;
        var credentials = request.Headers.Authorization.Count > 0 || request.Headers.Cookie.Count > 0;
        return CacheRules.Decide(response.StatusCode, response.Headers, directives, identity is not null, credentials, _settings, _time.GetUtcNow());
    }

    private async Task LookupAsync(
        HttpContext context, ForwardedContent? body, CacheControl directives, string? identity, string path, string query, DateTimeOffset now,
        CachedResponse? entry, bool pathKnown)
    {
        var request = context.Request;
        if (_shared.Enabled && (entry is null || CacheRules.CanReuse(entry, directives, now) != Reuse.Fresh))
        {
            // The shared tier may hold what another replica stored (or a newer copy); a slow or absent Redis is a miss.
            var stored = await _shared.FindAsync(_route.Name, path, query, identity, request);
            if (stored is not null && (entry is null || stored.ResponseTime > entry.ResponseTime))
            {
                _cache.Store(stored);
                entry = stored;
                pathKnown = true;
            }
        }

        string forward;
        if (entry is not null)
        {
            var reuse = CacheRules.CanReuse(entry, directives, now);
            if (reuse == Reuse.Fresh)
            {
                _metrics.Hit(_route.Name);
                await ServeAsync(context, entry, now, CacheStatus.Hit);
                return;
            }

            if (reuse is Reuse.StaleAccepted or Reuse.StaleWhileRevalidate)
            {
                _metrics.Hit(_route.Name);
                _metrics.Stale(_route.Name);
                var revalidate = reuse == Reuse.StaleWhileRevalidate;
                if (revalidate)
                {
                    RevalidateInBackground(context, entry, identity, path, query);
                }

                await ServeAsync(context, entry, now, CacheStatus.StaleHit(entry.FreshnessLifetime - entry.Age(now), revalidate ? "stale-while-revalidate" : "max-stale"));
                return;
            }

            forward = reuse == Reuse.RequestRefuses ? CacheStatus.Request : CacheStatus.Stale;
        }
        else
        {
            forward = directives.NoCache ? CacheStatus.Request : pathKnown ? CacheStatus.Miss : CacheStatus.UriMiss;
        }

        if (directives.OnlyIfCached)
        {
            _metrics.Miss(_route.Name);
            context.Response.Headers[CacheStatus.Header] = CacheStatus.OnlyIfCached;
            await ProblemResponse.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Gateway timeout",
                "The request asked for a stored response only (only-if-cached) and none can answer it.");
            return;
        }

        _metrics.Miss(_route.Name);
        var fallback = entry is not null && CacheRules.MayServeOnError(entry, directives) ? entry : null;

        // A stale entry with validators is validated: the service may answer 304, and the stored body is sent.
        var revalidating = entry is not null && (entry.ETag is not null || entry.LastModified is not null) && !IsConditional(request) ? entry : null;
        if (revalidating is not null)
        {
            if (revalidating.ETag is { } etag)
            {
                request.Headers.IfNoneMatch = etag;
            }
            else
            {
                request.Headers.IfModifiedSince = revalidating.LastModified!.Value.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (entry is not null || directives.NoCache || _collapseWait <= TimeSpan.Zero)
        {
            await ForwardAsync(context, body, forward, directives, identity, path, query, now, revalidating, fallback);
            return;
        }

        // Request collapsing: one request per key goes on, the others wait for it and look again.
        var key = CollapseKey(path, query, identity, request);
        if (_collapser.TryLead(key, out var leader))
        {
            try
            {
                await ForwardAsync(context, body, forward, directives, identity, path, query, now, null, null);
            }
            finally
            {
                _collapser.Finish(key, leader);
            }

            return;
        }

        try
        {
            await leader.Task.WaitAsync(_collapseWait, _time, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            Log.CollapseTimedOut(_logger, _route.Name, context.TraceIdentifier);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        now = _time.GetUtcNow();
        entry = _cache.Find(path, query, identity, request, out _);
        if (entry is not null && CacheRules.CanReuse(entry, directives, now) == Reuse.Fresh)
        {
            await ServeAsync(context, entry, now, CacheStatus.HitCollapsed);
            return;
        }

        await ForwardAsync(context, body, forward, directives, identity, path, query, now, null, null);
    }

    private async Task ForwardAsync(
        HttpContext context, ForwardedContent? body, string forward, CacheControl directives, string? identity, string path, string query,
        DateTimeOffset requestTime, CachedResponse? revalidating, CachedResponse? fallback)
    {
        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var lifetime = context.Features.GetRequiredFeature<IHttpRequestLifetimeFeature>();
        var capture = new ResponseCapture(original, lifetime, _settings.MaxObjectBytes);
        var miss = new Miss(this, context, capture, forward, directives, identity, path, query, requestTime, revalidating, fallback);
        if (fallback is not null)
        {
            // stale-if-error: a failure's body is held back (decided at its first byte) when the stored response answers instead.
            capture.HoldFor(static state => ((Miss)state).ServesOnError(), miss);
        }

        context.Features.Set<IHttpResponseBodyFeature>(capture);
        context.Features.Set<IHttpRequestLifetimeFeature>(capture);
        context.Response.OnStarting(static state => ((Miss)state).Starting(), miss);
        try
        {
            await Next!.InvokeAsync(context, body);
            if (capture.Discarded || (fallback is not null && !context.Response.HasStarted && miss.ServesOnError()))
            {
                context.Features.Set(original);
                context.Features.Set(lifetime);
                await miss.ServeFallbackAsync();
                return;
            }

            if (!context.Response.HasStarted)
            {
                await miss.Starting();
            }

            context.Features.Set(original);
            context.Features.Set(lifetime);
            await miss.CompleteAsync();
        }
        finally
        {
            context.Features.Set(original);
            context.Features.Set(lifetime);
            capture.Release();
        }
    }

    /// <summary>
    /// stale-while-revalidate: a conditional copy of the request goes to the service in the background, on its own
    /// cancellation (bounded, and by shutdown), collapsed with the misses for the same key: when one is already
    /// under way, nothing more is sent.
    /// </summary>
    private void RevalidateInBackground(HttpContext context, CachedResponse entry, string? identity, string path, string query)
    {
        var key = CollapseKey(path, query, identity, context.Request);
        if (!_collapser.TryLead(key, out var leader))
        {
            return;
        }

        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        cancellation.CancelAfter(RevalidationTimeout);
        var background = BackgroundRequest.Create(context, entry, cancellation.Token);
        ThreadPool.UnsafeQueueUserWorkItem(
            new Revalidation(this, background, entry, identity, path, query, key, leader, cancellation), preferLocal: false);
    }

    /// <summary>The longest a background revalidation may take.</summary>
    private static readonly TimeSpan RevalidationTimeout = TimeSpan.FromMinutes(2);

    private sealed class Revalidation(
        CacheStep step, DefaultHttpContext context, CachedResponse entry, string? identity, string path, string query, string key,
        TaskCompletionSource leader, CancellationTokenSource cancellation) : IThreadPoolWorkItem
    {
        public void Execute() => _ = RunAsync();

        private async Task RunAsync()
        {
            try
            {
                await step.ForwardAsync(context, null, CacheStatus.Stale, default, identity, path, query, step._time.GetUtcNow(), entry, null);
                Log.Revalidated(step._logger, step._route.Name, context.Response.StatusCode, context.TraceIdentifier);
            }
            catch (Exception ex)
            {
                Log.RevalidationFailed(step._logger, step._route.Name, context.TraceIdentifier, ex);
            }
            finally
            {
                step._collapser.Finish(key, leader);
                cancellation.Dispose();
            }
        }
    }

    private async Task UnsafeAsync(HttpContext context, ForwardedContent? body)
    {
        await Next!.InvokeAsync(context, body);
        var status = context.Response.StatusCode;
        if (status is < 200 or >= 400)
        {
            return;
        }

        // RFC 9111 §4.4: the target URI, and Location and Content-Location when they are on the same origin.
        var paths = new List<string>(4);
        Invalidate(context.Request.Path.Value ?? "/", paths);
        var headers = context.Response.Headers;
        InvalidateReference(context.Request, headers.Location, paths);
        InvalidateReference(context.Request, headers.ContentLocation, paths);
        var removed = 0;
        foreach (var path in paths)
        {
            removed += _cache.Invalidate(path);
        }

        if (removed > 0)
        {
            Log.Invalidated(_logger, _route.Name, removed, context.TraceIdentifier);
        }

        if (_shared.Enabled)
        {
            await _shared.InvalidateAsync([.. paths]);
        }
    }

    private void InvalidateReference(HttpRequest request, StringValues reference, List<string> paths)
    {
        if (reference.Count != 1 || reference[0] is not { Length: > 0 } text || !Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out var uri))
        {
            return;
        }

        string path;
        if (uri.IsAbsoluteUri)
        {
            if (uri.Scheme is not ("http" or "https") || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            path = uri.AbsolutePath;
        }
        else
        {
            if (!text.StartsWith('/') || text.StartsWith("//", StringComparison.Ordinal))
            {
                return;
            }

            var end = text.AsSpan().IndexOfAny('?', '#');
            path = end < 0 ? text : text[..end];
        }

        Invalidate(PathString.FromUriComponent(path).Value ?? "/", paths);
    }

    /// <summary>Adds <paramref name="path"/> to what is invalidated and, on a versioned route, the same path under every version prefix (a write through v1 must not leave v2 reads stale).</summary>
    private void Invalidate(string path, List<string> paths)
    {
        Add(paths, path);
        if (_route.Version is null || !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var rest = path.AsSpan(4); // "/tools", "/v2/tools"
        var next = rest.Length > 1 ? rest[1..].IndexOf('/') : -1;
        var segment = next < 0 ? rest[1..] : rest.Slice(1, next);
        if (ApiVersions.Find(segment.ToString()) is not null)
        {
            rest = next < 0 ? [] : rest[(next + 1)..];
        }

        Add(paths, string.Concat("/api", rest));
        foreach (var version in ApiVersions.All)
        {
            Add(paths, string.Concat("/api/", version, rest));
        }

        static void Add(List<string> paths, string path)
        {
            if (!paths.Contains(path))
            {
                paths.Add(path);
            }
        }
    }

    /// <summary>Answers from <paramref name="entry"/>: its status, headers and body, with <c>Age</c>; 304 to a matching conditional request.</summary>
    private static async Task ServeAsync(HttpContext context, CachedResponse entry, DateTimeOffset now, string status)
    {
        var response = context.Response;
        var notModified = entry.Status == StatusCodes.Status200OK && NotModified(context.Request, entry);
        response.StatusCode = notModified ? StatusCodes.Status304NotModified : entry.Status;
        var headers = response.Headers;
        var stored = entry.Headers;
        for (var i = 0; i < stored.Length; i++)
        {
            if (!notModified || IsNotModifiedField(stored[i].Key))
            {
                headers[stored[i].Key] = stored[i].Value;
            }
        }

        headers.Age = CacheRules.Seconds(entry.Age(now));
        headers[CacheStatus.Header] = status;
        if (notModified)
        {
            return;
        }

        response.ContentLength = entry.Body.Length;
        if (HttpMethods.IsHead(context.Request.Method) || entry.Body.Length == 0)
        {
            return;
        }

        try
        {
            await response.BodyWriter.WriteAsync(entry.Body, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away.
        }
    }

    /// <summary>RFC 9110 §13.1.2/§13.1.3: <c>If-None-Match</c> (weak comparison) decides when present, else <c>If-Modified-Since</c>.</summary>
    private static bool NotModified(HttpRequest request, CachedResponse entry)
    {
        var ifNoneMatch = request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            if (entry.ETag is not { } etag)
            {
                return false;
            }

            var own = WeakTag(etag);
            for (var i = 0; i < ifNoneMatch.Count; i++)
            {
                var list = ifNoneMatch[i].AsSpan();
                foreach (var range in list.Split(','))
                {
                    var candidate = list[range].Trim();
                    if (candidate.SequenceEqual("*") || WeakTag(candidate).SequenceEqual(own))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        if (CacheRules.ParseDate(request.Headers.IfModifiedSince) is { } since)
        {
            var modified = entry.LastModified ?? CacheRules.ParseDate(Find(entry.Headers, HeaderNames.Date));
            return modified is { } m && m <= since;
        }

        return false;
    }

    private static ReadOnlySpan<char> WeakTag(ReadOnlySpan<char> tag) => tag.StartsWith("W/") ? tag[2..] : tag;

    private static ReadOnlySpan<char> WeakTag(string tag) => WeakTag(tag.AsSpan());

    private static bool IsNotModifiedField(string name) =>
        name.Equals(HeaderNames.CacheControl, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.ContentLocation, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Expires, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.Vary, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase);

    private static StringValues Find(KeyValuePair<string, StringValues>[] headers, string name)
    {
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return headers[i].Value;
            }
        }

        return StringValues.Empty;
    }

    private static bool IsConditional(HttpRequest request) =>
        request.Headers.IfNoneMatch.Count > 0 || request.Headers.IfModifiedSince.Count > 0
        || request.Headers.IfMatch.Count > 0 || request.Headers.IfUnmodifiedSince.Count > 0 || request.Headers.IfRange.Count > 0;

    private static bool HasNoCachePragma(StringValues pragma)
    {
        for (var i = 0; i < pragma.Count; i++)
        {
            if (pragma[i] is { } value && value.Contains("no-cache", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private string CollapseKey(string path, string query, string? identity, HttpRequest request)
    {
        if (_settings.KeyHeaders.Length == 0)
        {
            return string.Concat(path, query, "\n", identity);
        }

        var key = new System.Text.StringBuilder().Append(path).Append(query).Append('\n').Append(identity);
        foreach (var name in _settings.KeyHeaders)
        {
            key.Append('\n').Append(CachedResponse.SelectingValue(request, name));
        }

        return key.ToString();
    }

    /// <summary>One forwarded cacheable request: decides at the response's start, stores at its end.</summary>
    private sealed class Miss
    {
        private readonly CacheStep _step;
        private readonly HttpContext _context;
        private readonly ResponseCapture _capture;
        private readonly string _forward;
        private readonly CacheControl _directives;
        private readonly string? _identity;
        private readonly string _path;
        private readonly string _query;
        private readonly DateTimeOffset _requestTime;
        private readonly CachedResponse? _revalidating;
        private readonly CachedResponse? _fallback;
        private readonly string[] _gatewayHeaders;
        private int _failure;
        private StoreDecision _decision;
        private bool _started;
        private bool _storableAtStart;
        private CachedResponse? _refreshed;

        public Miss(
            CacheStep step, HttpContext context, ResponseCapture capture, string forward, CacheControl directives, string? identity, string path,
            string query, DateTimeOffset requestTime, CachedResponse? revalidating, CachedResponse? fallback)
        {
            _step = step;
            _context = context;
            _capture = capture;
            _forward = forward;
            _directives = directives;
            _identity = identity;
            _path = path;
            _query = query;
            _requestTime = requestTime;
            _revalidating = revalidating;
            _fallback = fallback;

            // Headers set before the service answered are the gateway's own (request id, version, CORS): never stored.
            var headers = context.Response.Headers;
            _gatewayHeaders = new string[headers.Count];
            var i = 0;
            foreach (var header in headers)
            {
                _gatewayHeaders[i++] = header.Key;
            }
        }

        public Task Starting()
        {
            if (_started)
            {
                return Task.CompletedTask;
            }

            _started = true;
            var response = _context.Response;
            var request = _context.Request;
            if (_revalidating is not null && response.StatusCode == StatusCodes.Status304NotModified)
            {
                Refresh(response);
                return Task.CompletedTask;
            }

            if (HttpMethods.IsHead(request.Method))
            {
                _capture.Stop();
                response.Headers[CacheStatus.Header] = _forward;
                return Task.CompletedTask;
            }

            _decision = _step.DecideStore(_context, _directives, _identity);
            if (!_decision.Storable || response.ContentLength > _step._settings.MaxObjectBytes)
            {
                _decision = _decision with { Verdict = _decision.Storable ? StoreVerdict.Status : _decision.Verdict };
                _capture.Stop();
                response.Headers[CacheStatus.Header] = _forward;
                MarkUncacheable(response.StatusCode, _decision.Verdict);
                return Task.CompletedTask;
            }

            _storableAtStart = true;
            _step._collapser.ClearUncacheable(_path, _query);
            response.Headers[CacheStatus.Header] = string.Concat(_forward, CacheStatus.StoredSuffix);
            return Task.CompletedTask;
        }

        /// <summary>stale-if-error: the service failed (5xx, unreachable, circuit open, timed out) and the stored response may answer instead.</summary>
        public bool ServesOnError()
        {
            var status = _context.Response.StatusCode;
            if (_fallback is null || status < 500 || !CacheRules.CanServeOnError(_fallback, _directives, _step._time.GetUtcNow()))
            {
                return false;
            }

            _failure = status;
            return true;
        }

        /// <summary>Answers with the stored response in place of the failure, which never reached the client.</summary>
        public Task ServeFallbackAsync()
        {
            _started = true;
            _capture.Stop();
            var headers = _context.Response.Headers;
            List<string>? failures = null;
            foreach (var header in headers)
            {
                if (!IsGateways(header.Key))
                {
                    (failures ??= []).Add(header.Key);
                }
            }

            if (failures is not null)
            {
                foreach (var name in failures)
                {
                    headers.Remove(name);
                }
            }

            if (_revalidating is not null)
            {
                // The validators were the gateway's, not the client's: the client gets the whole stored response.
                _context.Request.Headers.Remove(HeaderNames.IfNoneMatch);
                _context.Request.Headers.Remove(HeaderNames.IfModifiedSince);
            }

            var now = _step._time.GetUtcNow();
            var fallback = _fallback!;
            _step._metrics.Stale(_step._route.Name);
            Log.ServedOnError(_step._logger, _step._route.Name, _failure, _context.TraceIdentifier);
            return ServeAsync(_context, fallback, now, CacheStatus.ServedOnError(_forward, _failure, fallback.FreshnessLifetime - fallback.Age(now)));
        }

        public async Task CompleteAsync()
        {
            if (_refreshed is not null)
            {
                // The service confirmed the stored response (304): the stored body goes to the client.
                if (!HttpMethods.IsHead(_context.Request.Method) && _refreshed.Body.Length > 0 && !_context.RequestAborted.IsCancellationRequested)
                {
                    try
                    {
                        await _context.Response.BodyWriter.WriteAsync(_refreshed.Body, _context.RequestAborted);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or IOException)
                    {
                        // The client went away.
                    }
                }

                return;
            }

            var response = _context.Response;
            if (_storableAtStart && !_capture.Capturing && !_capture.Broken)
            {
                MarkUncacheable(response.StatusCode, StoreVerdict.Status); // longer than the route's object size
            }

            if (!_decision.Storable || !_capture.Capturing || _capture.Broken || _context.RequestAborted.IsCancellationRequested
                || (response.ContentLength is { } length && length != _capture.Length))
            {
                return;
            }

            var entry = Build(response.StatusCode, response.Headers, _capture.ToArray(), _decision);
            _step._cache.Store(entry);
            _step._shared.StoreInBackground(entry);
            Log.Stored(_step._logger, _step._route.Name, entry.Body.Length, _context.TraceIdentifier);
        }

        /// <summary>
        /// The service's answer cannot be stored, for a reason of the answer's own: the URL's next misses are not
        /// collapsed. A failure (5xx) is no such evidence, nor is a reason of this request's (no-store, credentials, Range).
        /// </summary>
        private void MarkUncacheable(int status, StoreVerdict verdict)
        {
            if (status < 500 && verdict is StoreVerdict.Status or StoreVerdict.NoStore or StoreVerdict.Private or StoreVerdict.VaryAny
                    or StoreVerdict.SetCookie or StoreVerdict.NoFreshness)
            {
                _step._collapser.MarkUncacheable(_path, _query, _step._time.GetUtcNow());
            }
        }

        /// <summary>A 304 for the stale entry: its headers merged into the stored ones (RFC 9111 §4.3.4), and the stored response answers the client.</summary>
        private void Refresh(HttpResponse response)
        {
            _capture.Stop();
            var old = _revalidating!;
            var merged = new HeaderDictionary();
            foreach (var (name, value) in old.Headers)
            {
                merged[name] = value;
            }

            foreach (var header in response.Headers)
            {
                if (!IsGateways(header.Key) && !header.Key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                    && !header.Key.Equals(CacheStatus.Header, StringComparison.OrdinalIgnoreCase))
                {
                    merged[header.Key] = header.Value;
                }
            }

            var now = _step._time.GetUtcNow();
            var decision = CacheRules.Decide(old.Status, merged, default, _identity is not null, false, _step._settings, now);
            var body = old.Body;
            _refreshed = Build(old.Status, merged, body, decision.Storable ? decision : decision with { Lifetime = TimeSpan.Zero }, old.Identity is null);
            if (decision.Storable)
            {
                _step._cache.Store(_refreshed);
                _step._shared.StoreInBackground(_refreshed);
            }
            else
            {
                _step._cache.Remove(old);
            }

            response.StatusCode = old.Status;
            foreach (var (name, value) in _refreshed.Headers)
            {
                response.Headers[name] = value;
            }

            response.Headers.Age = CacheRules.Seconds(_refreshed.Age(now));
            response.ContentLength = body.Length;
            response.Headers[CacheStatus.Header] = CacheStatus.Revalidated;
        }

        private CachedResponse Build(int status, IHeaderDictionary source, byte[] body, StoreDecision decision, bool? shared = null)
        {
            var directives = decision.Directives;
            var headers = new List<KeyValuePair<string, StringValues>>(source.Count);
            var headerBytes = 0;
            foreach (var header in source)
            {
                var name = header.Key;
                if (IsGateways(name) || IsNotStored(name) || IsNoCacheField(directives.NoCacheFields, name))
                {
                    continue;
                }

                headers.Add(header);
                headerBytes += name.Length + header.Value.ToString().Length + 4;
            }

            var vary = CacheRules.VaryNames(source.Vary);
            var keyHeaders = _step._settings.KeyHeaders;
            var names = vary.Length + keyHeaders.Length == 0 ? [] : new string[vary.Length + keyHeaders.Length];
            vary.CopyTo(names, 0);
            keyHeaders.CopyTo(names, vary.Length);
            var values = new string[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                values[i] = CachedResponse.SelectingValue(_context.Request, names[i]);
            }

            var responseTime = _step._time.GetUtcNow();
            var lastModified = CacheRules.ParseDate(source.LastModified);
            return new CachedResponse
            {
                Route = _step._route.Name,
                Path = _path,
                Query = _query,
                Identity = shared ?? decision.Shared ? null : _identity,
                Status = status,
                Headers = [.. headers],
                Body = body,
                ResponseTime = responseTime,
                InitialAge = CacheRules.InitialAge(source, _requestTime, responseTime),
                FreshnessLifetime = decision.Lifetime,
                NoStaleReuse = directives.MustRevalidate || directives.ProxyRevalidate || directives.SharedMaxAge is not null,
                AlwaysValidate = directives.NoCache,
                StaleWhileRevalidate = StaleWindow(directives, directives.StaleWhileRevalidate),
                StaleIfError = StaleWindow(directives, directives.StaleIfError),
                ETag = source.ETag.Count > 0 ? source.ETag[0] : null,
                LastModified = lastModified,
                SelectingNames = names,
                SelectingValues = values,
                HeaderBytes = headerBytes,
            };
        }

        /// <summary>An RFC 5861 window; none where the response forbids stale answers (<c>must-revalidate</c>, <c>proxy-revalidate</c>, <c>no-cache</c>).</summary>
        private TimeSpan? StaleWindow(in CacheControl directives, int? seconds)
        {
            if (seconds is not { } window || directives.MustRevalidate || directives.ProxyRevalidate || directives.NoCache)
            {
                return null;
            }

            var span = TimeSpan.FromSeconds(window);
            return _step._settings.MaxTtl is { } cap && span > cap ? cap : span;
        }

        private bool IsGateways(string name)
        {
            foreach (var own in _gatewayHeaders)
            {
                if (own.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsNotStored(string name) =>
            name.Equals(CacheStatus.Header, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.Age, StringComparison.OrdinalIgnoreCase)
            || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase)
            || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase);

        private static bool IsNoCacheField(string[]? fields, string name)
        {
            if (fields is null)
            {
                return false;
            }

            foreach (var field in fields)
            {
                if (field.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Adds the step to every endpoint of a route whose cache is on; order 200, between versions and body.</summary>
    internal sealed class Factory : IRouteStepFactory
    {
        private readonly MemoryResponseCache _cache;
        private readonly RedisResponseCache _shared;
        private readonly RequestCollapser _collapser;
        private readonly CacheMetrics _metrics;
        private readonly TimeProvider _time;
        private readonly TimeSpan _collapseWait;
        private readonly ILogger _logger;
        private readonly CancellationToken _stopping;

        public Factory(
            MemoryResponseCache cache, RedisResponseCache shared, RequestCollapser collapser, CacheMetrics metrics, TimeProvider time, IOptions<CacheOptions> options,
            IHostApplicationLifetime lifetime, ILogger<CacheStep> logger)
        {
            _stopping = lifetime.ApplicationStopping;
            _cache = cache;
            _shared = shared;
            _collapser = collapser;
            _metrics = metrics;
            _time = time;
            _collapseWait = TimeSpan.FromSeconds(options.Value.CollapseWaitSeconds);
            _logger = logger;
        }

        public int Order => 200;

        public RouteStep? Create(GatewayRoute route, RouteStep next) =>
            route.Entry.Cache is { } settings ? new CacheStep(route, settings, _cache, _shared, _collapser, _metrics, _time, _collapseWait, _logger, next, _stopping) : null;
    }

    private static partial class Log
    {
        [LoggerMessage(9001, LogLevel.Debug, "Stored a response of route {Route} ({Bytes} body bytes) (request {RequestId})")]
        public static partial void Stored(ILogger logger, string route, int bytes, string requestId);

        [LoggerMessage(9002, LogLevel.Debug, "Invalidated {Count} stored responses of route {Route} after an unsafe request (request {RequestId})")]
        public static partial void Invalidated(ILogger logger, string route, int count, string requestId);

        [LoggerMessage(9003, LogLevel.Debug, "Waited for a concurrent identical request of route {Route} in vain; forwarding (request {RequestId})")]
        public static partial void CollapseTimedOut(ILogger logger, string route, string requestId);

        [LoggerMessage(9004, LogLevel.Debug, "Revalidated a stale response of route {Route} in the background: {StatusCode} (request {RequestId})")]
        public static partial void Revalidated(ILogger logger, string route, int statusCode, string requestId);

        [LoggerMessage(9005, LogLevel.Warning, "Background revalidation of a stale response of route {Route} failed (request {RequestId})")]
        public static partial void RevalidationFailed(ILogger logger, string route, string requestId, Exception exception);

        [LoggerMessage(9006, LogLevel.Information, "The service failed with {StatusCode} on route {Route}; a stored response answered instead (stale-if-error) (request {RequestId})")]
        public static partial void ServedOnError(ILogger logger, string route, int statusCode, string requestId);
    }
}
