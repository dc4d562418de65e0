using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// Per-client limits: a global policy over every proxied route, the chat policy on <c>POST /api/chat</c>, and the
/// configured per-route policies, each N per minute. The policies that apply to each route and method are resolved at
/// start-up and again when the limits reload, so a request costs one volatile read, one lookup and no allocation. With
/// Redis configured and reachable the decision is shared by every replica (<see cref="RedisRateLimitStore"/>); otherwise, and whenever Redis cannot answer at once,
/// it is taken in-process.
/// </summary>
internal sealed class ClientRateLimiter : IDisposable
{
    private readonly ClientAddress _addresses;
    private readonly RedisRateLimitStore? _shared;
    private volatile Policies _policies;

    public ClientRateLimiter(ReloadableOptions<RateLimitOptions> options, ClientAddress addresses, RedisRateLimitStore shared)
    {
        _addresses = addresses;
        _shared = shared.Enabled ? shared : null;
        _policies = new Policies(options.Current, null);
        options.Changed += Apply;
    }

    /// <summary>
    /// Takes reloaded limits: the per-route policy table is rebuilt; a policy whose name and limit did not change is
    /// kept with its buckets, a new or changed one starts with full buckets. Replaced policies are disposed a little
    /// later, once requests that read the old table are done with them.
    /// </summary>
    public void Apply(RateLimitOptions options)
    {
        var old = _policies;
        var next = new Policies(options, old);
        _policies = next;
        var retired = old.All.Except(next.All).ToList();
        if (retired.Count > 0)
        {
            _ = Task.Delay(TimeSpan.FromSeconds(10)).ContinueWith(static (_, state) =>
            {
                foreach (var policy in (List<RatePolicy>)state!)
                {
                    policy.Dispose();
                }
            }, retired, TaskScheduler.Default);
        }
    }

    /// <summary>Charges a request that passed authentication to every policy of its route.</summary>
    public ValueTask<RateDecision> AcquireAsync(HttpContext context, GatewayRoute route)
    {
        var policies = PoliciesFor(route, context.Request.Method);
        return policies.Length == 0 ? new ValueTask<RateDecision>(RateDecision.Unlimited) : AcquireAsync(ClientOf(context), policies);
    }

    /// <summary>Charges a request that failed authentication to its address under the global limit; writes the 429 itself.</summary>
    public ValueTask<bool> TryAcquireUnauthenticatedAsync(HttpContext context) =>
        TryAcquireAsync(context, ClientKey.ForAddress(_addresses.Resolve(context)), _policies.GlobalOnly);

    /// <summary>
    /// Charges an authenticated request refused for a missing scope as any other authenticated request: to its route's
    /// policies on a proxied route (<paramref name="route"/>), to the global limit on the gateway's own endpoints.
    /// Writes the 429 itself and returns false when a limit is exhausted; otherwise writes the <c>RateLimit-*</c> headers.
    /// </summary>
    public ValueTask<bool> TryAcquireForbiddenAsync(HttpContext context, GatewayRoute? route) =>
        TryAcquireAsync(context, ClientOf(context), route is null ? _policies.GlobalOnly : PoliciesFor(route, context.Request.Method));

    private async ValueTask<bool> TryAcquireAsync(HttpContext context, ClientKey key, RatePolicy[] policies)
    {
        if (policies.Length == 0)
        {
            return true;
        }

        var decision = await AcquireAsync(key, policies);
        if (decision.Allowed)
        {
            decision.WriteHeaders(context.Response);
            return true;
        }

        await WriteRejectionAsync(context, decision);
        return false;
    }

    /// <summary>The authenticated client's partition, else the client address's.</summary>
    private ClientKey ClientOf(HttpContext context) => context.Features.Get<ClientIdentity>() is { } identity
        ? ClientKey.ForClient(identity.ClientId)
        : ClientKey.ForAddress(_addresses.Resolve(context));

    public static Task WriteRejectionAsync(HttpContext context, RateDecision decision)
    {
        Observability.RequestTelemetry.RateLimited(context);
        decision.WriteHeaders(context.Response);
        return ProblemResponse.WriteRetryAfterAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"Rate limit of {decision.Policy?.LimitText} requests per minute exceeded; retry later.", decision.Reset);
    }

    private ValueTask<RateDecision> AcquireAsync(ClientKey key, RatePolicy[] policies)
    {
        if (_shared is not null)
        {
            var shared = _shared.DecideAsync(key, policies);
            if (!shared.IsCompletedSuccessfully)
            {
                return AwaitSharedAsync(shared, key, policies);
            }

            if (shared.GetAwaiter().GetResult() is { } decided)
            {
                return new ValueTask<RateDecision>(decided);
            }
        }

        return new ValueTask<RateDecision>(AcquireLocal(key, policies));
    }

    private static async ValueTask<RateDecision> AwaitSharedAsync(ValueTask<RateDecision?> shared, ClientKey key, RatePolicy[] policies) =>
        await shared ?? AcquireLocal(key, policies);

    private static RateDecision AcquireLocal(ClientKey key, RatePolicy[] policies)
    {
        var decision = RateDecision.Unlimited;
        for (var i = 0; i < policies.Length; i++)
        {
            var outcome = policies[i].TryAcquireLocal(key);
            if (!outcome.Allowed)
            {
                return outcome;
            }

            decision = decision.Tighter(outcome);
        }

        return decision;
    }

    private RatePolicy[] PoliciesFor(GatewayRoute route, string method)
    {
        var current = _policies;
        if (current.ByRoute.TryGetValue(route, out var entries))
        {
            foreach (var (entryMethod, policies) in entries)
            {
                if (ReferenceEquals(entryMethod, method) || string.Equals(entryMethod, method, StringComparison.OrdinalIgnoreCase))
                {
                    return policies;
                }
            }
        }

        return current.GlobalOnly;
    }

    private static string PolicyName(GatewayRoute route, string[] methods) =>
        methods.Length == 0 ? "route:" + route.Template : $"route:{route.Template}:{string.Join(',', methods).ToUpperInvariant()}";

    private static bool AppliesTo(string[] methods, string method)
    {
        if (methods.Length == 0)
        {
            return true;
        }

        foreach (var listed in methods)
        {
            if (string.Equals(listed, method, StringComparison.OrdinalIgnoreCase) || (HttpMethods.IsHead(method) && HttpMethods.IsGet(listed)))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        foreach (var policy in _policies.All)
        {
            policy.Dispose();
        }
    }

    /// <summary>The policies in force and the table of which apply to each route and method; replaced whole on reload.</summary>
    private sealed class Policies
    {
        private Policies? _previous;

        public Policies(RateLimitOptions value, Policies? previous)
        {
            _previous = previous;
            var global = Add("global", value.PerMinute);
            GlobalOnly = global is null ? [] : [global];

            var routePolicies = new List<(GatewayRoute Route, string[] Methods, RatePolicy Policy)>();
            if (Add("chat", value.ChatPerMinute) is { } chat)
            {
                routePolicies.Add((GatewayRoutes.Chat, [HttpMethods.Post], chat));
            }

            foreach (var configured in value.Routes)
            {
                var route = RouteScopes.FindRoute(configured.Route);
                if (route is not null && Add(PolicyName(route, configured.Methods), configured.PerMinute) is { } policy)
                {
                    routePolicies.Add((route, configured.Methods, policy));
                }
            }

            foreach (var route in GatewayRoutes.All)
            {
                var entries = new (string, RatePolicy[])[route.Methods.Length];
                for (var m = 0; m < route.Methods.Length; m++)
                {
                    var policies = new List<RatePolicy>(GlobalOnly);
                    foreach (var (policyRoute, methods, policy) in routePolicies)
                    {
                        if (policyRoute == route && AppliesTo(methods, route.Methods[m]))
                        {
                            policies.Add(policy);
                        }
                    }

                    entries[m] = (route.Methods[m], [.. policies]);
                }

                ByRoute[route] = entries;
            }

            _previous = null; // no chain of old tables kept alive
        }

        public RatePolicy[] GlobalOnly { get; }

        public List<RatePolicy> All { get; } = [];

        public Dictionary<GatewayRoute, (string Method, RatePolicy[] Policies)[]> ByRoute { get; } = [];

        private RatePolicy? Add(string name, int perMinute)
        {
            if (perMinute <= 0)
            {
                return null;
            }

            // Unchanged (same name, same limit): the same policy, with its clients' buckets.
            var policy = _previous?.All.Find(p => p.Name == name && p.PerMinute == perMinute && !All.Contains(p)) ?? new RatePolicy(name, perMinute);
            All.Add(policy);
            return policy;
        }
    }
}
