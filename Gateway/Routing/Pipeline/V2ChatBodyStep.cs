using System.Buffers;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Transforms;

namespace PyAirtable.Gateway.Routing.Pipeline;

/// <summary>
/// <c>Body: v2-chat</c>: the web frontend's chat body becomes the orchestrator's (<see cref="V2ChatBody"/>); its
/// problems are 400 with the contract's texts, and nothing is forwarded. The new body lives in a pooled buffer no
/// larger than the client's body.
/// </summary>
internal sealed class V2ChatBodyStep : HeldBodyStep
{
    public V2ChatBodyStep(RouteStep next, long maxBodyBytes, ILogger logger)
        : base(next, maxBodyBytes, logger)
    {
    }

    public override string Name => "v2-chat";

    protected override async Task ProcessAsync(HttpContext context, ReadOnlySequence<byte> body)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(V2ChatBody.MaxOutputLength(body.Length));
        try
        {
            var problem = V2ChatBody.TryTransform(body, buffer, out var written);
            if (problem is not null)
            {
                await BodyProblems.WriteInvalidAsync(context, problem);
                return;
            }

            await Next!.InvokeAsync(context, new ValidatedBodyContent(new ReadOnlySequence<byte>(buffer, 0, written)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
