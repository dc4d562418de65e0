using System.Diagnostics;
using System.Globalization;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Observability;

/// <summary>
/// One request's timings and facts, kept as a request feature by <see cref="RequestTelemetryMiddleware"/> and filled in
/// by the forwarder at the points where upstream time starts and ends and the body flows: the upstream service and
/// instance, when the upstream call started and answered, the first and last body bytes, retries, a rate-limit refusal.
/// It opens the request's span, fixes the trace headers sent upstream and writes <c>Server-Timing</c>.
/// </summary>
internal sealed class RequestTelemetry
{
    private static readonly Func<object, Task> WriteServerTimingCallback = static state =>
    {
        ((RequestTelemetry)state).WriteServerTiming();
        return Task.CompletedTask;
    };

    private static readonly DistributedContextPropagator.PropagatorSetterCallback InjectHeader = static (carrier, name, value) =>
    {
        if (carrier is HttpRequestMessage message && name is not null)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
    };

    private readonly GatewayTelemetry _owner;
    private readonly HttpResponse _response;

    public RequestTelemetry(GatewayTelemetry owner, HttpContext context, long started)
    {
        _owner = owner;
        _response = context.Response;
        Started = started;
        if (owner.ServerTiming)
        {
            _response.OnStarting(WriteServerTimingCallback, this);
        }
    }

    public long Started { get; }

    /// <summary>When the request was handed to the upstream client (0 when it never was).</summary>
    public long UpstreamStarted { get; private set; }

    /// <summary>When the upstream's response headers arrived, or its failure (0 until then).</summary>
    public long UpstreamEnded { get; private set; }

    /// <summary>When a streamed body's first bytes were passed on (0 until then, and for a body with a length).</summary>
    public long FirstByte { get; private set; }

    /// <summary>Body bytes have been passed on to the client.</summary>
    public bool BodyStarted { get; private set; }

    public long ResponseBytes { get; private set; }

    public UpstreamService? Service { get; private set; }

    /// <summary>The instance that answered or failed last.</summary>
    public UpstreamInstance? Instance { get; private set; }

    /// <summary>The upstream answered without a length (chunked or server-sent events).</summary>
    public bool Streamed { get; private set; }

    /// <summary>The upstream call failed or answered 5xx.</summary>
    public bool IsUpstreamFailure { get; private set; }

    public bool IsRateLimited { get; private set; }

    public int Retries { get; private set; }

    public Activity? Activity { get; private set; }

    public static RequestTelemetry? Of(HttpContext context) => context.Features.Get<RequestTelemetry>();

    /// <summary>Marks the request as refused by a rate limit (the rate limiter calls this when it answers 429).</summary>
    public static void RateLimited(HttpContext context)
    {
        if (Of(context) is { } telemetry)
        {
            telemetry.IsRateLimited = true;
        }
    }

    /// <summary>
    /// The request is about to go upstream (with as many attempts as the resilience pipeline makes): upstream time
    /// starts and the span opens, a child of the server span, so of the client's <c>traceparent</c>.
    /// </summary>
    public void UpstreamStarting(HttpContext context, GatewayRoute route, UpstreamService service)
    {
        Service = service;
        var activity = GatewayTelemetry.Source.StartActivity("gateway.forward", ActivityKind.Internal);
        if (activity is not null)
        {
            Activity = activity;
            activity.DisplayName = route.Template;
            if (activity.IsAllDataRequested)
            {
                activity.SetTag("gateway.request_id", context.TraceIdentifier);
                var method = MethodLabel.Of(context.Request.Method);
                activity.SetTag("http.request.method", method);
                if (ReferenceEquals(method, MethodLabel.Other))
                {
                    activity.SetTag("http.request.method_original", context.Request.Method);
                }
                activity.SetTag("http.route", route.Template);
                activity.SetTag("gateway.service", service.Name);
            }
        }

        UpstreamStarted = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// While the gateway's span is current, replaces the trace headers copied from the client by ones naming it, so the
    /// upstream sees exactly one <c>traceparent</c> (HttpClient's own propagation adds none when the header is present)
    /// and the gateway as its parent. Without a gateway span (nobody records traces) the client's headers pass unchanged,
    /// and HttpClient adds one only when the client sent none.
    /// </summary>
    public static void PropagateTrace(HttpRequestMessage message)
    {
        if (Activity.Current is not { } current || !ReferenceEquals(current.Source, GatewayTelemetry.Source))
        {
            return;
        }

        var headers = message.Headers;
        headers.Remove(TraceHeaders.TraceParent);
        headers.Remove(TraceHeaders.TraceState);
        headers.Remove(TraceHeaders.Baggage);
        headers.Remove(TraceHeaders.CorrelationContext);
        DistributedContextPropagator.Current.Inject(current, message, InjectHeader);
    }

    /// <summary>The upstream's response headers arrived (after <see cref="SendOutcome.Retries"/> retries).</summary>
    public void UpstreamResponded(SendOutcome sent)
    {
        UpstreamEnded = Stopwatch.GetTimestamp();
        var upstream = sent.Response!;
        var status = (int)upstream.StatusCode;
        Streamed = upstream.Content.Headers.ContentLength is null;
        IsUpstreamFailure = status >= 500;
        Ended(sent, StatusClass(status));
    }

    /// <summary>The upstream call ended without a response.</summary>
    public void UpstreamFailed(ForwardOutcome outcome, SendOutcome sent)
    {
        UpstreamEnded = Stopwatch.GetTimestamp();
        var label = outcome switch
        {
            ForwardOutcome.UpstreamTimeout => "timeout",
            ForwardOutcome.CircuitOpen => "circuit_open",
            ForwardOutcome.ClientAborted or ForwardOutcome.ClientBodyInvalid => "cancelled",
            _ => "error",
        };
        IsUpstreamFailure = outcome is ForwardOutcome.UpstreamTimeout or ForwardOutcome.UpstreamUnreachable;
        Activity?.SetTag("gateway.outcome", label);
        Ended(sent, label);
    }

    /// <summary><paramref name="bytes"/> of the response body were passed on to the client.</summary>
    public void BodyChunk(int bytes)
    {
        if (!BodyStarted)
        {
            // Only a streamed body's first bytes are timed (gateway_stream_time_to_first_byte_seconds).
            BodyStarted = true;
            if (Streamed)
            {
                FirstByte = Stopwatch.GetTimestamp();
            }
        }

        ResponseBytes += bytes;
    }

    /// <summary>The request is over: closes the span.</summary>
    public void Finish(int status)
    {
        if (Activity is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag("http.response.status_code", status);
                activity.SetTag("gateway.retries", Retries);
            }

            if (status >= 500 || IsUpstreamFailure)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Stop();
        }
    }

    /// <summary>Milliseconds the upstream took to answer with headers (0 when it was not called).</summary>
    public double UpstreamMilliseconds => UpstreamElapsed.TotalMilliseconds;

    private TimeSpan UpstreamElapsed =>
        UpstreamStarted == 0 || UpstreamEnded == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(UpstreamStarted, UpstreamEnded);

    private void Ended(SendOutcome sent, string outcome)
    {
        Instance = sent.Instance;
        Retries = sent.Retries;
        var service = Service!;
        _owner.Of(service.Kind, sent.Instance).Completed(IsUpstreamFailure);
        if (sent.Retries > 0)
        {
            _owner.Metrics.UpstreamRetried(service.Kind, sent.Retries);
        }

        if (Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag("gateway.upstream.instance", sent.Instance.BaseUrl);
        }

        _owner.Metrics.UpstreamCompleted(service.Name, outcome, Stopwatch.GetElapsedTime(UpstreamStarted, UpstreamEnded).TotalSeconds);
    }

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };

    private void WriteServerTiming()
    {
        var total = Microseconds(Stopwatch.GetElapsedTime(Started));
        var upstream = Microseconds(UpstreamElapsed);
        Span<char> buffer = stackalloc char[96];
        var length = 0;
        Append(buffer, ref length, "gateway;dur=");
        length += FormatMilliseconds(buffer[length..], UpstreamStarted == 0 ? total : Math.Max(0, total - upstream));
        if (UpstreamStarted != 0)
        {
            Append(buffer, ref length, ", upstream;dur=");
            length += FormatMilliseconds(buffer[length..], upstream);
        }

        _response.Headers.Append(ServerTimingHeader, new string(buffer[..length]));
    }

    private static void Append(Span<char> buffer, ref int length, string text)
    {
        text.CopyTo(buffer[length..]);
        length += text.Length;
    }

    /// <summary>A duration in whole microseconds, rounded to the nearest.</summary>
    private static long Microseconds(TimeSpan elapsed) => (elapsed.Ticks + (TimeSpan.TicksPerMicrosecond / 2)) / TimeSpan.TicksPerMicrosecond;

    /// <summary>
    /// <paramref name="microseconds"/> (not negative) as milliseconds with three decimals, "12.345": integer arithmetic, as
    /// <c>double.ToString("F3")</c> would write it for the same rounded value, at a fraction of the cost on every response.
    /// Returns the characters written; <paramref name="destination"/> must hold 24.
    /// </summary>
    internal static int FormatMilliseconds(Span<char> destination, long microseconds)
    {
        var whole = Math.DivRem(microseconds, 1000, out var fraction);
        whole.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        destination[written] = '.';
        destination[written + 1] = (char)('0' + (fraction / 100));
        destination[written + 2] = (char)('0' + (fraction / 10 % 10));
        destination[written + 3] = (char)('0' + (fraction % 10));
        return written + 4;
    }

    private const string ServerTimingHeader = "Server-Timing";

    /// <summary>The W3C trace-context and baggage headers (and the legacy baggage name).</summary>
    private static class TraceHeaders
    {
        public const string TraceParent = "traceparent";
        public const string TraceState = "tracestate";
        public const string Baggage = "baggage";
        public const string CorrelationContext = "Correlation-Context";
    }
}
