using System.Buffers;
using PyAirtable.Gateway.Forwarding;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary><c>Body: json-object</c>: the body must be one JSON object (else 400); it is forwarded byte for byte from the held buffers.</summary>
internal sealed class JsonObjectBodyStep : HeldBodyStep
{
    public JsonObjectBodyStep(RouteStep next, long maxBodyBytes, ILogger logger)
        : base(next, maxBodyBytes, logger)
    {
    }

    public override string Name => "json-object";

    protected override Task ProcessAsync(HttpContext context, ReadOnlySequence<byte> body) =>
        Next!.InvokeAsync(context, new ValidatedBodyContent(body));
}
