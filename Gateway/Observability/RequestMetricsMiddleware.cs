using System.Diagnostics;

namespace PyAirtable.Gateway.Observability;

/// <summary>Counts and times every request by method, route template and status (no raw paths as labels).</summary>
internal sealed class RequestMetricsMiddleware
{
    /// <summary>The <c>endpoint</c> label of requests that matched no route.</summary>
    public const string Unmatched = "unmatched";

    private readonly RequestDelegate _next;
    private readonly GatewayMetrics _metrics;

    public RequestMetricsMiddleware(RequestDelegate next, GatewayMetrics metrics)
    {
        _next = next;
        _metrics = metrics;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var pending = _next(context);
        if (pending.IsCompletedSuccessfully)
        {
            Record(context, started);
            return Task.CompletedTask;
        }

        return AwaitAndRecordAsync(pending, context, started);
    }

    private async Task AwaitAndRecordAsync(Task pending, HttpContext context, long started)
    {
        try
        {
            await pending;
        }
        finally
        {
            Record(context, started);
        }
    }

    private void Record(HttpContext context, long started)
    {
        var endpoint = context.GetEndpoint()?.Metadata.GetMetadata<MetricsLabel>()?.Endpoint ?? Unmatched;
        _metrics.RequestCompleted(context.Request.Method, endpoint, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
