namespace PyAirtable.Gateway.Routing;

/// <summary>What happens to a route's request body before it is forwarded.</summary>
internal enum BodyHandling
{
    /// <summary>Streamed untouched (<c>stream</c>, the default).</summary>
    Stream,

    /// <summary>Held (bounded by the body limit) and checked to be one JSON object with a JSON content type (<c>json-object</c>).</summary>
    JsonObject,

    /// <summary>As <see cref="JsonObject"/>, then rewritten from the web frontend's chat shape to the orchestrator's (<c>v2-chat</c>).</summary>
    V2Chat,
}
