using System.Diagnostics;
using System.Net.Sockets;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// The built-in HTTP/1.1 keep-alive load generator. Closed loop: each connection sends its next
/// request as soon as the previous response ends. Open loop (rate &gt; 0): each connection follows
/// a fixed schedule and latency is measured from the intended send time, so a stall is charged
/// to every request it delayed (no coordinated omission).
/// </summary>
internal static class LoadGenerator
{
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>How long past the planned end a stuck request may take before it is cancelled and counted as an error.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>Pause after a failed connection attempt, so a dead target does not become a busy loop.</summary>
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(50);

    public static async Task<SegmentResult> RunAsync(
        LoadTarget target, int connections, TimeSpan duration, double rate, ProgressLine? progress, CancellationToken cancellationToken)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(duration + Grace);
        var token = hardStop.Token;

        var stats = new WorkerStats[connections];
        var opened = new LoadConnection?[connections];
        var opens = new Task[connections];
        for (var i = 0; i < connections; i++)
        {
            stats[i] = new WorkerStats();
            opens[i] = OpenInto(target, opened, stats[i], i, token);
        }

        await Task.WhenAll(opens);

        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var interval = rate > 0 ? (long)(connections * Stopwatch.Frequency / rate) : 0;
        var workers = new Task[connections];
        for (var i = 0; i < connections; i++)
        {
            var connection = opened[i];
            var worker = stats[i];
            var firstSend = start + (interval * i / connections);
            workers[i] = rate > 0
                ? Task.Run(() => OpenLoopAsync(target, connection, worker, firstSend, interval, stopAt, token), token)
                : Task.Run(() => ClosedLoopAsync(target, connection, worker, stopAt, token), token);
        }

        var all = Task.WhenAll(workers);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            progress?.Report(Stopwatch.GetElapsedTime(start), stats.Sum(s => s.Completed), stats.Sum(s => s.Errors));
        }

        try
        {
            await all;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            // The hard stop: workers have counted their stuck requests as errors.
        }

        cancellationToken.ThrowIfCancellationRequested();

        var result = new SegmentResult(target.Name, connections, rate) { Elapsed = Stopwatch.GetElapsedTime(start) };
        foreach (var s in stats)
        {
            result.Latency.Add(s.Latency);
            result.ServiceTime.Add(s.ServiceTime);
            result.Requests += s.Completed;
            result.Non2xx += s.Non2xx;
            result.SocketErrors += s.SocketErrors;
            result.LastError ??= s.LastError;
        }

        return result;
    }

    private static async Task OpenInto(LoadTarget target, LoadConnection?[] opened, WorkerStats stats, int index, CancellationToken cancellationToken)
    {
        try
        {
            opened[index] = await LoadConnection.OpenAsync(target.Endpoint, cancellationToken);
        }
        catch (SocketException e)
        {
            stats.RecordFailure("connect: " + e.SocketErrorCode);
        }
    }

    private static async Task ClosedLoopAsync(LoadTarget target, LoadConnection? connection, WorkerStats stats, long stopAt, CancellationToken cancellationToken)
    {
        var request = target.Request;
        try
        {
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                try
                {
                    connection ??= await LoadConnection.OpenAsync(target.Endpoint, cancellationToken);
                    var sent = Stopwatch.GetTimestamp();
                    var status = await connection.ExchangeAsync(request, cancellationToken);
                    stats.RecordResponse(status, (long)((Stopwatch.GetTimestamp() - sent) * NanosecondsPerTick));
                    if (connection.MustClose)
                    {
                        connection.Dispose();
                        connection = null;
                    }
                }
                catch (Exception e) when (IsConnectionFailure(e, cancellationToken))
                {
                    stats.RecordFailure(Describe(e));
                    connection?.Dispose();
                    connection = null;
                    await Task.Delay(FailureBackoff, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (Stopwatch.GetTimestamp() >= stopAt)
            {
                stats.RecordFailure("timeout: no response before the end of the run");
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private static async Task OpenLoopAsync(
        LoadTarget target, LoadConnection? connection, WorkerStats stats, long intended, long interval, long stopAt, CancellationToken cancellationToken)
    {
        var request = target.Request;
        try
        {
            while (intended < stopAt)
            {
                var wait = intended - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    // Timer granularity is about 1 ms: sleep whole milliseconds and send a little early
                    // rather than late; an early send is measured from the moment it was sent.
                    var milliseconds = wait * 1000 / Stopwatch.Frequency;
                    if (milliseconds > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), cancellationToken);
                    }
                }

                try
                {
                    connection ??= await LoadConnection.OpenAsync(target.Endpoint, cancellationToken);
                    var sent = Stopwatch.GetTimestamp();
                    var status = await connection.ExchangeAsync(request, cancellationToken);
                    var done = Stopwatch.GetTimestamp();
                    stats.RecordResponse(status, (long)((done - Math.Min(intended, sent)) * NanosecondsPerTick));
                    stats.ServiceTime.Record((long)((done - sent) * NanosecondsPerTick));
                    if (connection.MustClose)
                    {
                        connection.Dispose();
                        connection = null;
                    }
                }
                catch (Exception e) when (IsConnectionFailure(e, cancellationToken))
                {
                    stats.RecordFailure(Describe(e));
                    connection?.Dispose();
                    connection = null;
                }

                intended += interval;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (Stopwatch.GetTimestamp() >= stopAt)
            {
                stats.RecordFailure("timeout: no response before the end of the run");
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private static bool IsConnectionFailure(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is SocketException or IOException or InvalidDataException;

    private static string Describe(Exception e) => e switch
    {
        SocketException s => "socket: " + s.SocketErrorCode,
        _ => e.Message,
    };
}
