using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Health;

/// <summary>
/// Probes <c>GET {instance}/health</c> on every instance of every service at once, each probe bounded by
/// <see cref="HealthOptions.TimeoutSeconds"/>, so a round takes as long as its slowest probe. Concurrent callers
/// share the round in flight. Probes use their own client: they never count against a circuit.
/// </summary>
internal sealed partial class HealthMonitor
{
    private readonly UpstreamServices _services;
    private readonly IHttpClientFactory _clients;
    private readonly TimeProvider _time;
    private readonly ILogger<HealthMonitor> _logger;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _maxAge;
    private readonly string? _serviceKey;
    private readonly Lock _gate = new();
    private Task<HealthReport>? _round;

    public HealthMonitor(UpstreamServices services, IHttpClientFactory clients, IOptions<HealthOptions> options, IOptions<AuthOptions> auth, TimeProvider time, ILogger<HealthMonitor> logger)
    {
        _services = services;
        _clients = clients;
        _time = time;
        _logger = logger;
        _timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        _maxAge = TimeSpan.FromSeconds(options.Value.MaxAgeSeconds);
        _serviceKey = auth.Value.ApiKey;
    }

    /// <summary>Raised after every completed round (on the probing thread; handlers must not block).</summary>
    public event Action<HealthReport>? Completed;

    /// <summary>The last completed round, if any.</summary>
    public HealthReport? Last { get; private set; }

    /// <summary>A round finished less than <see cref="HealthOptions.MaxAgeSeconds"/> ago, the round in flight, or a new one.</summary>
    public Task<HealthReport> ProbeAsync()
    {
        if (Last is { } last && _time.GetUtcNow() - last.Timestamp < _maxAge)
        {
            return Task.FromResult(last);
        }

        return ProbeNowAsync();
    }

    /// <summary>The round in flight, or a new one.</summary>
    public Task<HealthReport> ProbeNowAsync()
    {
        lock (_gate)
        {
            if (_round is null || _round.IsCompleted)
            {
                _round = ProbeAllAsync();
            }

            return _round;
        }
    }

    private async Task<HealthReport> ProbeAllAsync()
    {
        await Task.Yield();
        var started = _time.GetUtcNow();
        var client = _clients.CreateClient(ForwardingClients.HealthClientName);
        var services = _services.All;

        // The instance sets as they are now: a reload during the round does not mix two lists in one report.
        var sets = new UpstreamInstanceSet[services.Count];
        var probes = new List<Task<InstanceHealth>>();
        for (var i = 0; i < services.Count; i++)
        {
            sets[i] = services[i].Instances;
            foreach (var instance in sets[i].All)
            {
                probes.Add(ProbeInstanceAsync(client, services[i].Name, instance));
            }
        }

        var results = await Task.WhenAll(probes);
        var report = new ServiceHealth[services.Count];
        var next = 0;
        for (var i = 0; i < services.Count; i++)
        {
            var instances = new InstanceHealth[sets[i].All.Length];
            Array.Copy(results, next, instances, 0, instances.Length);
            next += instances.Length;
            report[i] = new ServiceHealth(services[i].Name, sets[i].ConfiguredUrl, instances);
        }

        var health = new HealthReport(report, started);
        Last = health;
        Completed?.Invoke(health);
        return health;
    }

    private async Task<InstanceHealth> ProbeInstanceAsync(HttpClient client, string service, UpstreamInstance instance)
    {
        var health = await ProbeInstanceAsync(client, service, instance.BaseUrl);
        instance.Probe(health.Status);
        return health with { Instance = instance };
    }

    private async Task<InstanceHealth> ProbeInstanceAsync(HttpClient client, string service, string instance)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, instance + "/health");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (_serviceKey is not null)
            {
                request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, _serviceKey);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var seconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 4);
            if (response.IsSuccessStatusCode)
            {
                return new InstanceHealth(instance, HealthStatus.Healthy, seconds, null);
            }

            var error = "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            Log.ProbeFailed(_logger, service, instance, error);
            return new InstanceHealth(instance, HealthStatus.Unhealthy, seconds, error);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var error = $"no answer within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
            Log.ProbeFailed(_logger, service, instance, error);
            return new InstanceHealth(instance, HealthStatus.Unreachable, null, error);
        }
        catch (HttpRequestException ex)
        {
            var error = ex.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "host name not resolved",
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                HttpRequestError.ResponseEnded => "connection closed before a response",
                HttpRequestError.InvalidResponse => "invalid HTTP response",
                _ => "request failed",
            };
            Log.ProbeFailed(_logger, service, instance, error);
            return new InstanceHealth(instance, HealthStatus.Unreachable, null, error);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Warning, "Health probe of {Service} at {Instance} failed: {Error}")]
        public static partial void ProbeFailed(ILogger logger, string service, string instance, string error);
    }
}
