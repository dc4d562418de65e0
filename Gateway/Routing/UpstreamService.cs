using System.Diagnostics;
using Polly;
using PyAirtable.Gateway.Resilience;

namespace PyAirtable.Gateway.Routing;

/// <summary>
/// A configured service: its instances (primaries, then backups), the pooled invoker that reaches them, and the
/// choice of instance for each attempt. Backups take traffic only when no primary is usable; when nothing is usable
/// the primaries still get it ("panic mode", as Envoy does), so clients see what the service does.
/// </summary>
internal sealed class UpstreamService
{
    private readonly BalancingPolicy _policy;
    private volatile UpstreamInstanceSet _instances;
    private volatile ResiliencePipeline<HttpResponseMessage>? _attempts;
    private uint _turn;

    public UpstreamService(ServiceKind kind, string name, string configuredUrl, string[] primaries, string[] backups, BalancingPolicy policy, HttpMessageInvoker invoker, string? configuredBackupUrl = null)
    {
        ConfiguredBackupUrl = configuredBackupUrl;
        Kind = kind;
        Name = name;
        _instances = UpstreamInstanceSet.Create(configuredUrl, primaries, backups);
        _policy = policy;
        Invoker = invoker;
    }

    public ServiceKind Kind { get; }

    /// <summary>The service's name in health reports, logs and metrics (<c>airtable-gateway</c>).</summary>
    public string Name { get; }

    /// <summary>The URL setting as given.</summary>
    public string ConfiguredUrl => _instances.ConfiguredUrl;

    /// <summary>The backup URL setting as given, for a service declared in the route table (null for the built-in three).</summary>
    public string? ConfiguredBackupUrl { get; }

    /// <summary>The instances in force; a reload replaces the set (<see cref="Replace"/>).</summary>
    public UpstreamInstanceSet Instances => _instances;

    /// <summary>Every instance, primaries first.</summary>
    public UpstreamInstance[] All => _instances.All;

    /// <summary>True when a request may go to more than one instance, so a retry elsewhere is possible.</summary>
    public bool HasAlternatives => _instances.All.Length > 1;

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The retry and total-timeout pipeline, when the service has several instances and retries are on.</summary>
    public ResiliencePipeline<HttpResponseMessage>? Attempts { get => _attempts; set => _attempts = value; }

    /// <summary>The retry budget that goes with <see cref="Attempts"/>.</summary>
    public RetryBudget? Budget { get; set; }

    /// <summary>Puts a reloaded instance set in force; requests already forwarding keep the instance they have.</summary>
    public void Replace(UpstreamInstanceSet instances) => _instances = instances;

    /// <summary>True when an instance not in <paramref name="tried"/> could take another attempt.</summary>
    public bool HasUntried(ulong tried)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var instance in _instances.All)
        {
            if ((tried & (1UL << instance.Index)) == 0 && (!instance.IsBackup || instance.IsUsable(now)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The instance for the next attempt, skipping those in <paramref name="tried"/> (a bit per <see cref="UpstreamInstance.Index"/>); null when none is left.</summary>
    public UpstreamInstance? Select(ulong tried)
    {
        var set = _instances;
        if (set.All.Length == 1)
        {
            return tried == 0 ? set.All[0] : null;
        }

        var now = Stopwatch.GetTimestamp();
        return Choose(set.Primaries, tried, now, usableOnly: true)
            ?? Choose(set.Backups, tried, now, usableOnly: true)
            ?? Choose(set.Primaries, tried, now, usableOnly: false);
    }

    private UpstreamInstance? Choose(UpstreamInstance[] instances, ulong tried, long now, bool usableOnly)
    {
        var eligible = 0;
        foreach (var instance in instances)
        {
            if (IsEligible(instance, tried, now, usableOnly))
            {
                eligible++;
            }
        }

        if (eligible == 0)
        {
            return null;
        }

        if (eligible == 1)
        {
            return Nth(instances, tried, now, usableOnly, 0);
        }

        if (_policy == BalancingPolicy.RoundRobin)
        {
            return Nth(instances, tried, now, usableOnly, (int)(Interlocked.Increment(ref _turn) % (uint)eligible));
        }

        var first = Random.Shared.Next(eligible);
        var second = Random.Shared.Next(eligible - 1);
        if (second >= first)
        {
            second++;
        }

        var a = Nth(instances, tried, now, usableOnly, first)!;
        var b = Nth(instances, tried, now, usableOnly, second)!;
        return b.Outstanding < a.Outstanding ? b : a;
    }

    private static UpstreamInstance? Nth(UpstreamInstance[] instances, ulong tried, long now, bool usableOnly, int n)
    {
        foreach (var instance in instances)
        {
            if (IsEligible(instance, tried, now, usableOnly) && n-- == 0)
            {
                return instance;
            }
        }

        return null;
    }

    private static bool IsEligible(UpstreamInstance instance, ulong tried, long now, bool usableOnly) =>
        (tried & (1UL << instance.Index)) == 0 && (!usableOnly || instance.IsUsable(now));
}
