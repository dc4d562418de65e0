using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.RateLimiting;

/// <summary>
/// Per-client limits: a global policy over every proxied route, the chat policy on the routes that name it
/// (<c>POST /api/chat</c> and its versions), each route's own <c>RateLimitPerMinute</c>, and the per-template policies
/// of <c>Gateway:RateLimits:Routes</c>, each N per minute. The policies that apply to each endpoint and method are
/// resolved at start-up and again when the limits or the route table reload, so a request costs one volatile read,
/// one lookup and no allocation (a request still on a replaced table gets its policies resolved on the spot). With
/// Redis configured and reachable the decision is shared by every replica (<see cref="RedisRateLimitStore"/>); otherwise, and whenever Redis cannot answer at once,
/// it is taken in-process.
/// </summary>
internal sealed class ClientRateLimiter : IDisposable
{
    private readonly ClientAddress _addresses;
    private readonly RedisRateLimitStore? _shared;
    private readonly RouteTableProvider _routes;
    private readonly Lock _gate = new();
    private RateLimitOptions _options;
    private volatile Policies _policies;

    public ClientRateLimiter(ReloadableOptions<RateLimitOptions> options, ClientAddress addresses, RedisRateLimitStore shared, RouteTableProvider routes)
    {
        _addresses = addresses;
        _shared = shared.Enabled ? shared : null;
        _routes = routes;
        _options = options.Current;
        _policies = new Policies(_options, null, routes.Current);
        options.Changed += Apply;
        routes.Changed += table =>
        {
            lock (_gate)
            {
                Swap(new Policies(_options, _policies, table));
            }
        };
    }

    /// <summary>
    /// Takes reloaded limits: the per-route policy table is rebuilt; a policy whose name and limit did not change is
    /// kept with its buckets, a new or changed one starts with full buckets. Replaced policies are disposed a little
    /// later, once requests that read the old table are done with them.
    /// </summary>
    public void Apply(RateLimitOptions options)
    {
        lock (_gate)
        {
            _options = options;
            Swap(new Policies(options, _policies, _routes.Current));
        }
    }

    private void Swap(Policies next)
    {
        var old = _policies;
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
        var policies = PoliciesFor(route, Tunnel.ExtendedConnect.PolicyMethod(context));
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
        TryAcquireAsync(context, ClientOf(context), route is null ? _policies.GlobalOnly : PoliciesFor(route, Tunnel.ExtendedConnect.PolicyMethod(context)));

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
        if (current.ByRoute.TryGetValue(route, out var entries) || (entries = current.Resolve(route)) is not null)
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

    private static string PolicyName(string template, string[] methods) =>
        methods.Length == 0 ? "route:" + template : $"route:{template}:{string.Join(',', methods).ToUpperInvariant()}";

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

    /// <summary>The policies in force and the table of which apply to each endpoint and method; replaced whole on reload.</summary>
    private sealed class Policies
    {
        private readonly List<(string Template, string[] Methods, RatePolicy Policy)> _byTemplate = [];
        private readonly Dictionary<string, RatePolicy> _own = new(StringComparer.OrdinalIgnoreCase);
        private readonly RatePolicy? _chat;
        private Policies? _previous;

        public Policies(RateLimitOptions value, Policies? previous, RouteTable table)
        {
            _previous = previous;
            var global = Add("global", value.PerMinute);
            GlobalOnly = global is null ? [] : [global];
            _chat = Add("chat", value.ChatPerMinute);

            foreach (var configured in value.Routes)
            {
                var route = BuiltInRoutes.FindByPath(configured.Route);
                if (route is not null && Add(PolicyName(route.Path, configured.Methods), configured.PerMinute) is { } policy)
                {
                    _byTemplate.Add((route.Path, configured.Methods, policy));
                }
            }

            foreach (var entry in table.Routes)
            {
                if (entry.RateLimitPerMinute > 0 && Add("route:" + entry.Name, entry.RateLimitPerMinute) is { } own)
                {
                    _own[entry.Name] = own;
                }
            }

            foreach (var route in table.Endpoints)
            {
                ByRoute[route] = Resolve(route);
            }

            _previous = null; // no chain of old tables kept alive
        }

        public RatePolicy[] GlobalOnly { get; }

        public List<RatePolicy> All { get; } = [];

        public Dictionary<GatewayRoute, (string Method, RatePolicy[] Policies)[]> ByRoute { get; } = [];

        /// <summary>The policies of each method of <paramref name="route"/>: global, the named one, the route's own, the per-template ones.</summary>
        public (string Method, RatePolicy[] Policies)[] Resolve(GatewayRoute route)
        {
            var entry = route.Entry;
            var entries = new (string, RatePolicy[])[route.Methods.Length];
            for (var m = 0; m < route.Methods.Length; m++)
            {
                var policies = new List<RatePolicy>(GlobalOnly);
                if (_chat is not null && entry.RateLimitPolicy == "chat")
                {
                    policies.Add(_chat);
                }

                if (_own.TryGetValue(entry.Name, out var own) && own.PerMinute == entry.RateLimitPerMinute)
                {
                    policies.Add(own);
                }

                foreach (var (template, methods, policy) in _byTemplate)
                {
                    if (string.Equals(template, entry.Path, StringComparison.OrdinalIgnoreCase) && AppliesTo(methods, route.Methods[m]))
                    {
                        policies.Add(policy);
                    }
                }

                entries[m] = (route.Methods[m], [.. policies]);
            }

            return entries;
        }

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
