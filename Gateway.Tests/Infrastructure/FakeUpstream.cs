using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on 127.0.0.1:0 standing in for one PyAirtable service. It records every
/// request exactly as received and answers with <see cref="Handler"/>, which a test may replace.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Channel<RecordedRequest> _received = Channel.CreateUnbounded<RecordedRequest>();
    private readonly Channel<RecordedRequest> _aborted = Channel.CreateUnbounded<RecordedRequest>();
    private readonly Channel<RecordedRequest> _contacted = Channel.CreateUnbounded<RecordedRequest>();
    private readonly CancellationTokenSource _stopping = new();
    private int _contacts;

    private FakeUpstream(WebApplication app) => _app = app;

    /// <summary>Answers each request; the default answers 200 with a small JSON body.</summary>
    public Func<HttpContext, RecordedRequest, Task> Handler { get; set; } = Respond(200, """{"ok":true}""");

    /// <summary>When true (default) the whole request body is read and recorded before the handler runs.</summary>
    public bool ReadBodyBeforeHandler { get; set; } = true;

    public string Url { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>Requests whose headers reached this upstream (counted before the body is read).</summary>
    public int ContactCount => Volatile.Read(ref _contacts);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Cancelled when the upstream shuts down, so handlers that never answer can end.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public static async Task<FakeUpstream> StartAsync(Func<HttpContext, RecordedRequest, Task>? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = null;
            options.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var upstream = new FakeUpstream(app);
        if (handler is not null)
        {
            upstream.Handler = handler;
        }

        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        upstream.Url = app.Urls.Single().TrimEnd('/');
        upstream.Port = new Uri(upstream.Url).Port;
        return upstream;
    }

    /// <summary>Waits for the next request to be received (and its body read, when recorded first).</summary>
    public async Task<RecordedRequest> NextRequestAsync() =>
        await _received.Reader.ReadAsync().AsTask().WithTimeout();

    /// <summary>Waits for the next request's headers (before its body is read).</summary>
    public async Task<RecordedRequest> NextContactAsync() =>
        await _contacted.Reader.ReadAsync().AsTask().WithTimeout();

    /// <summary>
    /// Waits until a request is aborted while being handled: its <c>RequestAborted</c> fired, or its
    /// body ended early. A request may be reported twice (once for each).
    /// </summary>
    public async Task<RecordedRequest> NextAbortAsync() =>
        await _aborted.Reader.ReadAsync().AsTask().WithTimeout();

    public bool HasAbort => _aborted.Reader.Count > 0;

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _contacts);
        var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Request.Headers)
        {
            headers[header.Key] = header.Value.ToArray()!;
        }

        var record = new RecordedRequest
        {
            Method = context.Request.Method,
            RawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget,
            Headers = headers,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString() ?? "",
        };

        using var registration = context.RequestAborted.Register(
            static state =>
            {
                var (channel, request) = ((Channel<RecordedRequest>, RecordedRequest))state!;
                channel.Writer.TryWrite(request);
            },
            (_aborted, record));
        _contacted.Writer.TryWrite(record);

        if (ReadBodyBeforeHandler)
        {
            using var buffer = new MemoryStream();
            try
            {
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
            {
                // The request was cut off mid-body: the sender went away, whichever of the body
                // read and RequestAborted notices it first.
                record.Body = buffer.ToArray();
                _requests.Enqueue(record);
                _received.Writer.TryWrite(record);
                _aborted.Writer.TryWrite(record);
                return;
            }

            record.Body = buffer.ToArray();
        }

        _requests.Enqueue(record);
        _received.Writer.TryWrite(record);
        await Handler(context, record);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    // ---- handlers -------------------------------------------------------------------------

    /// <summary>Answers with a fixed status, body and headers.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Respond(
        int status,
        string? body = null,
        string contentType = "application/json",
        params (string Name, string Value)[] headers) =>
        (context, _) => WriteAsync(context, status, body is null ? null : Encoding.UTF8.GetBytes(body), contentType, headers);

    public static async Task WriteAsync(
        HttpContext context, int status, byte[]? body, string contentType, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }

        if (body is not null)
        {
            context.Response.ContentType = contentType;
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>Never answers; ends only when the request is aborted or the upstream stops.</summary>
    public Func<HttpContext, RecordedRequest, Task> NeverAnswer() =>
        async (context, _) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping);
            await linked.Token.WhenCancelled();
        };

    /// <summary>Aborts the connection without sending response headers.</summary>
    public static Func<HttpContext, RecordedRequest, Task> AbortBeforeHeaders() =>
        (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
}
