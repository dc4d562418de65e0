using System.Diagnostics;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// Times and counts every request by method, route template and status (no raw paths as labels), feeds the dashboard's
/// aggregates, and writes the access-log line. The request's <see cref="RequestTelemetry"/> is a request feature that
/// the forwarder fills in. Being where every request starts and ends, it also keeps the count of requests in flight that
/// the <see cref="IdleHandoff"/> decides by.
/// </summary>
internal sealed class RequestTelemetryMiddleware
{
    /// <summary>The <c>endpoint</c> label of requests that matched no route.</summary>
    public const string Unmatched = "unmatched";

    private readonly RequestDelegate _next;
    private readonly GatewayTelemetry _telemetry;
    private readonly IdleHandoff _handoff;

    public RequestTelemetryMiddleware(RequestDelegate next, GatewayTelemetry telemetry, IdleHandoff handoff)
    {
        _next = next;
        _telemetry = telemetry;
        _handoff = handoff;
    }

    /// <summary>Times the request from here; a request arriving at an idle gateway continues on the thread pool (<see cref="IdleHandoff"/>).</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        return _handoff.Enter() ? HandOffAsync(context, started) : RunAsync(context, started);
    }

    private async Task HandOffAsync(HttpContext context, long started)
    {
        await Task.Yield();
        await RunAsync(context, started);
    }

    private Task RunAsync(HttpContext context, long started)
    {
        var telemetry = new RequestTelemetry(_telemetry, context, started);
        context.Features.Set(telemetry);
        Task pending;
        try
        {
            pending = _next(context);
        }
        catch
        {
            Complete(context, telemetry);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Complete(context, telemetry);
            return Task.CompletedTask;
        }

        return AwaitAndCompleteAsync(pending, context, telemetry);
    }

    private async Task AwaitAndCompleteAsync(Task pending, HttpContext context, RequestTelemetry telemetry)
    {
        try
        {
            await pending;
        }
        finally
        {
            Complete(context, telemetry);
        }
    }

    private void Complete(HttpContext context, RequestTelemetry telemetry)
    {
        _handoff.Exit();
        var ended = Stopwatch.GetTimestamp();
        var status = context.Response.StatusCode;
        var endpoint = context.GetEndpoint()?.Metadata.GetMetadata<MetricsLabel>()?.Endpoint ?? Unmatched;
        var elapsed = Stopwatch.GetElapsedTime(telemetry.Started, ended);
        var metrics = _telemetry.Metrics;
        metrics.RequestCompleted(context.Request.Method, endpoint, status, elapsed.TotalSeconds);
        telemetry.Finish(status);

        if (telemetry.IsRateLimited)
        {
            metrics.RateLimitRejected(endpoint);
        }

        var service = telemetry.Service;
        if (service is not null && telemetry.UpstreamEnded != 0)
        {
            // Gateway-only time: everything but the wait for upstream headers and the body copy that the upstream paces.
            var bodyEnd = telemetry.BodyStarted ? ended : telemetry.UpstreamEnded;
            var upstream = Stopwatch.GetElapsedTime(telemetry.UpstreamStarted, bodyEnd);
            metrics.Overhead(endpoint, Math.Max(0, (elapsed - upstream).TotalSeconds));
            if (telemetry.Streamed && telemetry.FirstByte != 0)
            {
                metrics.Streamed(service.Name,
                    Stopwatch.GetElapsedTime(telemetry.Started, telemetry.FirstByte).TotalSeconds,
                    Stopwatch.GetElapsedTime(telemetry.FirstByte, ended).TotalSeconds);
            }
        }

        _telemetry.Stats?.Record(endpoint, status, elapsed.TotalMilliseconds, telemetry.IsRateLimited);

        if (_telemetry.AccessLog.IsEnabled(LogLevel.Information))
        {
            var request = context.Request;
            _telemetry.AccessLogWriter.Write(new AccessLogEntry(
                context.TraceIdentifier,
                request.Method,
                endpoint,
                status,
                RequestTelemetry.Microseconds(elapsed),
                context.Features.Get<ClientIdentity>()?.ClientId ?? "-",
                service?.Name ?? "-",
                telemetry.Instance?.BaseUrl ?? "-",
                telemetry.UpstreamMicroseconds,
                request.ContentLength ?? 0,
                telemetry.Service is null ? context.Response.ContentLength ?? 0 : telemetry.ResponseBytes,
                telemetry.Retries));
        }
    }
}
