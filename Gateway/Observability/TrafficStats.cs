using System.Collections.Concurrent;
using System.Diagnostics;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// In-memory traffic aggregates for the dashboard: a ring of per-second slots over the last
/// <see cref="WindowSeconds"/> seconds, overall and per route, with a latency histogram per route and slot.
/// Recording is lock-free (<see cref="Interlocked"/> increments on preallocated arrays, no allocation once a route
/// has been seen); a slot is cleared by the first request of a new second. A request that races that clear may be
/// lost from the dashboard (never from <c>/metrics</c>), which is fine for a picture refreshed every second.
/// </summary>
internal sealed class TrafficStats
{
    public const int WindowSeconds = 60;

    /// <summary>Upper bounds (ms) of the latency bins; the last bin is open-ended.</summary>
    internal static readonly double[] BinUpperMs =
        [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 20000, 30000, 60000];

    private readonly Ring _all = new(bins: 0);
    private readonly ConcurrentDictionary<string, RouteStats> _routes = new(StringComparer.Ordinal);
    private readonly long _startedSecond = NowSecond();
    private long _requests;
    private long _errors;
    private long _rateLimited;

    public long TotalRequests => Volatile.Read(ref _requests);

    public long TotalErrors => Volatile.Read(ref _errors);

    public long TotalRateLimited => Volatile.Read(ref _rateLimited);

    public double UptimeSeconds => NowSecond() - _startedSecond;

    public ICollection<RouteStats> Routes => _routes.Values;

    public void Record(string endpoint, int status, double milliseconds, bool rateLimited)
    {
        var second = NowSecond();
        var error = status >= 500;
        Interlocked.Increment(ref _requests);
        if (error)
        {
            Interlocked.Increment(ref _errors);
        }

        if (rateLimited)
        {
            Interlocked.Increment(ref _rateLimited);
        }

        _all.Add(second, error, rateLimited, -1);
        var route = _routes.TryGetValue(endpoint, out var existing) ? existing : _routes.GetOrAdd(endpoint, static e => new RouteStats(e));
        route.Record(second, error, rateLimited, milliseconds);
    }

    /// <summary>The last <see cref="WindowSeconds"/> complete seconds, oldest first, plus the one in progress last.</summary>
    public Slot[] Series()
    {
        var now = NowSecond();
        var series = new Slot[WindowSeconds];
        for (var i = 0; i < WindowSeconds; i++)
        {
            var second = now - WindowSeconds + 1 + i;
            series[i] = _all.Read(second, second);
        }

        return series;
    }

    /// <summary>The <paramref name="quantile"/> of the latencies counted in <paramref name="bins"/>, in ms, interpolated within its bin; null when empty.</summary>
    public static double? Percentile(long[] bins, double quantile)
    {
        long total = 0;
        foreach (var count in bins)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = quantile * total;
        long seen = 0;
        for (var b = 0; b < bins.Length; b++)
        {
            if (bins[b] == 0 || seen + bins[b] < rank)
            {
                seen += bins[b];
                continue;
            }

            var lower = b == 0 ? 0 : BinUpperMs[b - 1];
            var upper = b < BinUpperMs.Length ? BinUpperMs[b] : lower * 2;
            return lower + ((upper - lower) * Math.Clamp((rank - seen) / bins[b], 0, 1));
        }

        return BinUpperMs[^1];
    }

    internal static long NowSecond() => Stopwatch.GetTimestamp() / Stopwatch.Frequency;

    internal static int BinOf(double milliseconds)
    {
        var bins = BinUpperMs;
        int lo = 0, hi = bins.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (milliseconds <= bins[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>One second's counts.</summary>
    internal readonly record struct Slot(long Second, int Requests, int Errors, int RateLimited);

    /// <summary>A route's counters: totals since start and a ring of per-second slots with latency bins.</summary>
    internal sealed class RouteStats
    {
        private readonly Ring _ring = new(bins: BinUpperMs.Length + 1);
        private long _total;

        public RouteStats(string endpoint) => Endpoint = endpoint;

        public string Endpoint { get; }

        public long Total => Volatile.Read(ref _total);

        public void Record(long second, bool error, bool rateLimited, double milliseconds)
        {
            Interlocked.Increment(ref _total);
            _ring.Add(second, error, rateLimited, BinOf(milliseconds));
        }

        /// <summary>Counts over the window ending now, and the latency bins summed over it.</summary>
        public Slot Window(long[] bins) => _ring.Read(NowSecond() - WindowSeconds + 1, NowSecond(), bins);
    }

    /// <summary>Per-second slots indexed by <c>second % WindowSeconds</c>, each stamped with the second it holds.</summary>
    private sealed class Ring
    {
        private readonly long[] _stamps = new long[WindowSeconds];
        private readonly int[] _requests = new int[WindowSeconds];
        private readonly int[] _errors = new int[WindowSeconds];
        private readonly int[] _rateLimited = new int[WindowSeconds];
        private readonly int[]? _bins;
        private readonly int _binCount;

        public Ring(int bins)
        {
            _binCount = bins;
            _bins = bins == 0 ? null : new int[WindowSeconds * bins];
            Array.Fill(_stamps, -1);
        }

        public void Add(long second, bool error, bool rateLimited, int bin)
        {
            var slot = (int)(second % WindowSeconds);
            var stamp = Volatile.Read(ref _stamps[slot]);
            if (stamp != second && stamp < second && Interlocked.CompareExchange(ref _stamps[slot], second, stamp) == stamp)
            {
                Clear(slot);
            }

            Interlocked.Increment(ref _requests[slot]);
            if (error)
            {
                Interlocked.Increment(ref _errors[slot]);
            }

            if (rateLimited)
            {
                Interlocked.Increment(ref _rateLimited[slot]);
            }

            if (_bins is not null && bin >= 0)
            {
                Interlocked.Increment(ref _bins[(slot * _binCount) + bin]);
            }
        }

        /// <summary>Sums the slots holding seconds <paramref name="from"/>..<paramref name="to"/>; adds their bins to <paramref name="bins"/>.</summary>
        public Slot Read(long from, long to, long[]? bins = null)
        {
            int requests = 0, errors = 0, rateLimited = 0;
            for (var second = Math.Max(from, to - WindowSeconds + 1); second <= to; second++)
            {
                var slot = (int)(second % WindowSeconds);
                if (Volatile.Read(ref _stamps[slot]) != second)
                {
                    continue;
                }

                requests += Volatile.Read(ref _requests[slot]);
                errors += Volatile.Read(ref _errors[slot]);
                rateLimited += Volatile.Read(ref _rateLimited[slot]);
                if (bins is not null && _bins is not null)
                {
                    for (var b = 0; b < _binCount; b++)
                    {
                        bins[b] += Volatile.Read(ref _bins[(slot * _binCount) + b]);
                    }
                }
            }

            return new Slot(to, requests, errors, rateLimited);
        }

        private void Clear(int slot)
        {
            Volatile.Write(ref _requests[slot], 0);
            Volatile.Write(ref _errors[slot], 0);
            Volatile.Write(ref _rateLimited[slot], 0);
            if (_bins is not null)
            {
                Array.Clear(_bins, slot * _binCount, _binCount);
            }
        }
    }
}
