using System.Diagnostics.Metrics;
using Microsoft.Extensions.Primitives;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// The route table in force. Built at start (a table that does not validate stops start-up, naming route and field)
/// and again on every configuration change that touches <c>Gateway:Routes</c>, <c>Gateway:Services</c> or
/// <c>Gateway:Versions</c>: a good table replaces the old one with one reference write and fires the change token
/// (the endpoints follow); a bad one is refused whole, logged once, and the last good table keeps serving. Requests
/// already in flight finish on the table they started with (their endpoint carries its route).
/// Reloads are counted in <c>gateway_route_table_reloads_total{outcome="ok|rejected"}</c>.
/// </summary>
internal sealed partial class RouteTableProvider : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly RouteTableBuilder _builder;
    private readonly TimeProvider _time;
    private readonly ILogger<RouteTableProvider> _logger;
    private readonly string? _configFile;
    private readonly Counter<long> _reloads;
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private volatile RouteTable _current;
    private volatile RouteTableRejection? _rejected;
    private volatile CancellationTokenSource _changed = new();

    public RouteTableProvider(IConfiguration configuration, RouteTableBuilder builder, TimeProvider time, IMeterFactory meters, ILogger<RouteTableProvider> logger)
    {
        _configuration = configuration;
        _builder = builder;
        _time = time;
        _logger = logger;
        _configFile = configuration[Configuration.ConfigurationExtensions.ConfigFileKey] is { Length: > 0 } file ? Path.GetFullPath(file) : null;
        _reloads = meters.Create(GatewayMetrics.MeterName).CreateCounter<long>(
            "gateway_route_table_reloads", description: "Route table reloads after a configuration change, by outcome (ok, rejected).");

        var errors = new List<string>();
        _current = builder.Build(configuration, _configFile, null, time.GetUtcNow(), errors)
            ?? throw new OptionsValidationException(RouteConfigReader.RoutesSection, typeof(RouteTable), [$"The route table is not valid: {string.Join(" ", errors)}"]);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Raised with the new table after it has replaced the old one (on the thread that noticed the change, never on a request).</summary>
    public event Action<RouteTable>? Changed;

    /// <summary>The table in force.</summary>
    public RouteTable Current => _current;

    /// <summary>The latest refused reload, while the configuration still differs from the table in force; else null.</summary>
    public RouteTableRejection? Rejected => _rejected;

    /// <summary>A token that fires when the table is replaced (as YARP's configuration providers give one).</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

    /// <summary>Builds the table again when its configuration changed; keeps the one in force when the new one does not validate.</summary>
    public void Reload()
    {
        lock (_gate)
        {
            var hash = RouteConfigReader.Hash(_configuration);
            if (hash == _current.Hash)
            {
                _rejected = null; // back to the configuration in force
                return;
            }

            if (hash == _rejected?.Hash)
            {
                return; // this bad change was reported already
            }

            var errors = new List<string>();
            RouteTable? next;
            try
            {
                next = _builder.Build(_configuration, _configFile, _current, _time.GetUtcNow(), errors);
            }
            catch (Exception ex)
            {
                next = null;
                errors.Add(ex.Message);
            }

            if (next is null)
            {
                var reason = string.Join(" ", errors);
                _rejected = new RouteTableRejection(hash, _time.GetUtcNow(), reason);
                _reloads.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                Log.Rejected(_logger, reason);
                return;
            }

            _current = next;
            _rejected = null;
            _reloads.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
            Log.Reloaded(_logger, next.Routes.Count, hash[..12]);

            // The old source is cancelled, not disposed: routing may still register on a token it took from it.
            var changed = _changed;
            _changed = new CancellationTokenSource();
            changed.Cancel();
            try
            {
                Changed?.Invoke(next);
            }
            catch (Exception ex)
            {
                Log.ListenerFailed(_logger, ex);
            }
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _changed.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(8030, LogLevel.Warning, "Route table change refused, the last good table keeps serving: {Reason}")]
        public static partial void Rejected(ILogger logger, string reason);

        [LoggerMessage(8031, LogLevel.Information, "Route table reloaded: {Routes} routes (hash {Hash})")]
        public static partial void Reloaded(ILogger logger, int routes, string hash);

        [LoggerMessage(8032, LogLevel.Error, "A route table listener failed")]
        public static partial void ListenerFailed(ILogger logger, Exception exception);
    }
}

/// <summary>A refused route table reload: the hash of the refused configuration, when, and why.</summary>
internal sealed record RouteTableRejection(string Hash, DateTimeOffset At, string Reason);
