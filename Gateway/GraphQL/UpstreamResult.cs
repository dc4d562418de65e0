using System.Text.Json;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>What one call through a route's pipeline answered: its status, content type and body (JSON parsed when it is JSON).</summary>
internal sealed class UpstreamResult
{
    public required int Status { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The body as JSON; <c>Undefined</c> when there was none or it was not JSON.</summary>
    public JsonElement Json { get; init; }

    /// <summary>The body was larger than <see cref="GraphQLOptions.MaxUpstreamResponseBytes"/> and was dropped.</summary>
    public bool TooLarge { get; init; }

    /// <summary>The problem+json <c>detail</c> (or <c>title</c>) of an error answer, when it gave one.</summary>
    public string? Detail { get; init; }

    /// <summary>The request never completed because the client went away or the route was not found.</summary>
    public bool NoRoute { get; init; }

    public bool Succeeded => Status is >= 200 and < 300 && !TooLarge;
}
