using System.Buffers;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>
/// The base of the steps that need the whole body (bounded by <c>MAX_REQUEST_BODY_BYTES</c>): a JSON content type
/// (else 415) and a body within the limit (else 413) are required; the body is held in the request pipe's own
/// buffers, never copied, and released once the rest of the pipeline is done with it.
/// </summary>
internal abstract partial class HeldBodyStep : RouteStep
{
    protected HeldBodyStep(RouteStep next, long maxBodyBytes, ILogger logger)
        : base(next)
    {
        MaxBodyBytes = maxBodyBytes;
        Logger = logger;
    }

    protected long MaxBodyBytes { get; }

    protected ILogger Logger { get; }

    public sealed override async Task InvokeAsync(HttpContext context, ForwardedContent? body)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            await BodyProblems.WriteTooLargeAsync(context, MaxBodyBytes);
            return;
        }

        if (!JsonObjectBody.IsJsonContentType(request.ContentType))
        {
            await BodyProblems.WriteNotJsonAsync(context);
            return;
        }

        var aborted = context.RequestAborted;
        ReadOnlySequence<byte> held;
        try
        {
            held = await JsonObjectBody.ReadWholeAsync(request.BodyReader, MaxBodyBytes, aborted);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested && ex is Microsoft.AspNetCore.Http.BadHttpRequestException or RequestBodyTooLargeException)
        {
            await BodyProblems.WriteClientFailureAsync(context, ex, MaxBodyBytes, Logger);
            return;
        }
        catch (Exception ex) when (aborted.IsCancellationRequested || ex is IOException)
        {
            Log.ClientAborted(Logger, context.TraceIdentifier);
            return;
        }

        try
        {
            var problem = JsonObjectBody.Check(held);
            if (problem is not null)
            {
                await BodyProblems.WriteInvalidAsync(context, problem);
                return;
            }

            await ProcessAsync(context, held);
        }
        finally
        {
            request.BodyReader.AdvanceTo(held.End);
        }
    }

    /// <summary>Goes on with <paramref name="body"/>, one JSON object, held until this returns.</summary>
    protected abstract Task ProcessAsync(HttpContext context, ReadOnlySequence<byte> body);

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Debug, "Client went away while sending its body (request {RequestId})")]
        public static partial void ClientAborted(ILogger logger, string requestId);
    }
}
