using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>Issue 6 "Traces": a span per forwarded request, W3C traceparent propagated upstream with the right parent, the request id on the span.</summary>
public sealed class TracingTests
{
    private const string GatewaySource = "PyAirtable.Gateway";

    [Fact]
    public async Task Forward_ClientSentTraceparent_UpstreamSeesOneTraceparentChildOfGatewaySpan()
    {
        var spans = new SpanCollection();
        using var tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(GatewaySource, "Microsoft.AspNetCore", "System.Net.Http")
            .AddInMemoryExporter(spans)
            .Build();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var traceId = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        var forwardEnded = spans.WaitFor(a => a.Source.Name == GatewaySource && a.TraceId == traceId);
        // The gateway's server span: the fake upstream, in this process too, has a server span in the same trace.
        var serverEnded = spans.WaitFor(a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == traceId && a.ParentSpanId == clientSpan);
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/bases");
        request.Headers.Add("traceparent", $"00-{traceId}-{clientSpan}-01");
        request.Headers.Add("tracestate", "vendor=client");
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var received = await upstream.NextRequestAsync();
        var traceparent = Assert.Single(received.Headers["traceparent"]);
        Assert.DoesNotContain(',', traceparent);
        var parts = traceparent.Split('-');
        Assert.Equal(traceId.ToHexString(), parts[1]);
        Assert.NotEqual(clientSpan.ToHexString(), parts[2]);
        Assert.True(!received.Headers.TryGetValue("tracestate", out var state) || state.Length == 1, "tracestate duplicated");

        var forward = await forwardEnded;
        var server = await serverEnded;
        Assert.Equal(response.Headers.GetValues("X-Request-ID").Single(), forward.GetTagItem("gateway.request_id"));
        Assert.Equal("airtable-gateway", forward.GetTagItem("gateway.service"));
        Assert.Equal("/api/airtable/{**path}", forward.GetTagItem("http.route"));
        Assert.Equal(200, forward.GetTagItem("http.response.status_code"));

        // client span -> gateway server span -> forward span -> (HttpClient span ->) upstream
        Assert.Equal(server.SpanId, forward.ParentSpanId);
        var upstreamParent = parts[2];
        var direct = upstreamParent == forward.SpanId.ToHexString();
        var viaClient = spans.Snapshot().Any(a => a.Source.Name == "System.Net.Http" && a.SpanId.ToHexString() == upstreamParent && a.ParentSpanId == forward.SpanId);
        Assert.True(direct || viaClient, $"upstream parent {upstreamParent} is neither the forward span {forward.SpanId} nor its HTTP client child");
    }

    [Fact]
    public async Task Forward_NoClientTraceparent_StartsTraceAndPropagatesIt()
    {
        var spans = new SpanCollection();
        using var tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(GatewaySource, "Microsoft.AspNetCore")
            .AddInMemoryExporter(spans)
            .Build();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream);

        var requestId = "trace-" + Guid.NewGuid().ToString("N");
        var forwardEnded = spans.WaitFor(a => a.Source.Name == GatewaySource && Equals(a.GetTagItem("gateway.request_id"), requestId));
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/tools");
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var received = await upstream.NextRequestAsync();
        var forward = await forwardEnded;
        var traceparent = Assert.Single(received.Headers["traceparent"]);
        Assert.Equal($"00-{forward.TraceId}-{forward.SpanId}-01", traceparent);
        Assert.Equal("llm-orchestrator", forward.GetTagItem("gateway.service"));
    }

    [Fact]
    public async Task Tracing_OtlpEndpointSet_ExportsSpansOverOtlp()
    {
        await using var collector = await FakeUpstream.StartAsync();
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream, upstream, upstream, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "50",
        });
        Assert.NotNull(gateway.App.Services.GetService<TracerProvider>());

        var requestId = "otlp-" + Guid.NewGuid().ToString("N");
        using var request = GatewayHost.Request(HttpMethod.Get, "/api/airtable/x");
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await upstream.NextRequestAsync();

        // The batch exporter posts protobuf to {endpoint}/v1/traces; the span's string attributes are in it verbatim.
        while (true)
        {
            var export = await collector.NextRequestAsync();
            Assert.Equal("/v1/traces", export.RawTarget);
            Assert.Equal("application/x-protobuf", export.Header("Content-Type"));
            if (Encoding.UTF8.GetString(export.Body).Contains(requestId, StringComparison.Ordinal))
            {
                break;
            }
        }
    }

    [Fact]
    public async Task Tracing_ByDefault_NoTracerProvider()
    {
        await using var gateway = await GatewayHost.StartAsync();

        Assert.Null(gateway.App.Services.GetService<TracerProvider>());
    }

    /// <summary>A thread-safe sink for the in-memory exporter (spans of tests running in parallel arrive too) that can await a span.</summary>
    private sealed class SpanCollection : Collection<Activity>
    {
        private readonly Lock _gate = new();
        private readonly List<(Func<Activity, bool> Match, TaskCompletionSource<Activity> Signal)> _waiters = [];

        public Task<Activity> WaitFor(Func<Activity, bool> match)
        {
            var signal = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                foreach (var activity in Items)
                {
                    if (match(activity))
                    {
                        return Task.FromResult(activity);
                    }
                }

                _waiters.Add((match, signal));
            }

            return signal.Task.WithTimeout();
        }

        public List<Activity> Snapshot()
        {
            lock (_gate)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (_gate)
            {
                base.InsertItem(Count, item);
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Match(item))
                    {
                        _waiters[i].Signal.TrySetResult(item);
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
