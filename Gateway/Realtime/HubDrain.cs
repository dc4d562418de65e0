using System.Net.WebSockets;
using PyAirtable.Gateway.Health;

namespace PyAirtable.Gateway.Realtime;

/// <summary>
/// Shutdown: from the moment the host begins stopping (SIGTERM), every hub connection is closed with 1001 as soon as
/// its session has no stream in flight, and at the latest when <c>DRAIN_TIMEOUT</c> has passed. New handshakes are
/// refused meanwhile (<see cref="HubEndpoint"/>), and the server waits for the connections' requests to end. The
/// last closes go out a quarter of the timeout (at most 1 s) before it ends, so they are sent before the host aborts.
/// </summary>
internal sealed partial class HubDrain : IHostedService
{
    public const string Reason = "Server shutting down";

    private readonly RealtimeHub _hub;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<HubDrain> _logger;
    private readonly TimeSpan _timeout;
    private Task _drain = Task.CompletedTask;

    public HubDrain(RealtimeHub hub, IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> shutdown, TimeProvider time, ILogger<HubDrain> logger)
    {
        _hub = hub;
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
        // The host stops waiting for requests at DRAIN_TIMEOUT and aborts what is left: the sockets whose streams run
        // on are closed a little before, so their close frame still goes out.
        var drain = TimeSpan.FromSeconds(shutdown.Value.DrainTimeoutSeconds);
        _timeout = drain - TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, drain.Ticks / 4));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStopping.Register(static state =>
        {
            var self = (HubDrain)state!;
            self._drain = Task.Run(self.DrainAsync);
        }, this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _drain.WaitAsync(cancellationToken);

    private async Task DrainAsync()
    {
        var started = _time.GetTimestamp();
        Log.Draining(_logger, _hub.Open.Count, _timeout.TotalSeconds);
        while (true)
        {
            var remaining = _timeout - _time.GetElapsedTime(started);
            var waiting = 0;
            foreach (var connection in _hub.Open)
            {
                if (connection.IsClosing)
                {
                    continue;
                }

                if (remaining > TimeSpan.Zero && _hub.HasStream(connection.SessionId))
                {
                    waiting++;
                    continue;
                }

                connection.RequestClose(WebSocketCloseStatus.EndpointUnavailable, Reason);
            }

            if (waiting == 0)
            {
                return;
            }

            try
            {
                await _hub.StreamEnded.WaitAsync(remaining, _time);
            }
            catch (TimeoutException)
            {
                Log.DrainTimedOut(_logger, waiting);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9530, LogLevel.Information, "Shutting down: closing {Connections} hub connections once their streams end, within {DrainSeconds} s")]
        public static partial void Draining(ILogger logger, int connections, double drainSeconds);

        [LoggerMessage(9531, LogLevel.Warning, "Shutting down: {Connections} hub connections closed with their streams still running (DRAIN_TIMEOUT)")]
        public static partial void DrainTimedOut(ILogger logger, int connections);
    }
}
