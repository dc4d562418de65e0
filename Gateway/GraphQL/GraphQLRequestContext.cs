using System.Collections.Concurrent;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// One GraphQL request's state, as the execution's user context: the client's HTTP request (whose identity and
/// credentials every field's call carries) and the calls made so far, so identical reads within the request are made
/// once (collapsed while in flight, shared once answered). Unsafe methods are never shared: two identical mutations
/// are two calls.
/// </summary>
internal sealed class GraphQLRequestContext : Dictionary<string, object?>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<UpstreamResult>>> _reads = new(StringComparer.Ordinal);
    private readonly RouteInvoker _invoker;
    private int _calls;

    public GraphQLRequestContext(HttpContext http, RouteInvoker invoker)
    {
        Http = http;
        _invoker = invoker;
    }

    public HttpContext Http { get; }

    /// <summary>Calls made through the routes (identical reads counted once).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public Task<UpstreamResult> SendAsync(string method, string path, string query, ReadOnlyMemory<byte>? body)
    {
        if (!HttpMethods.IsGet(method) || body is not null)
        {
            Interlocked.Increment(ref _calls);
            return _invoker.SendAsync(Http, method, path, query, body);
        }

        var key = path + query;
        return _reads.GetOrAdd(key, static (_, state) => new Lazy<Task<UpstreamResult>>(() =>
        {
            Interlocked.Increment(ref state.Self._calls);
            return state.Self._invoker.SendAsync(state.Self.Http, HttpMethods.Get, state.Path, state.Query, null);
        }), (Self: this, Path: path, Query: query)).Value;
    }
}
