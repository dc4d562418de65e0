namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>One request exactly as a <see cref="FakeUpstream"/> received it.</summary>
internal sealed class RecordedRequest
{
    public required string Method { get; init; }

    /// <summary>The request target as it appeared on the wire (path and query, undecoded).</summary>
    public required string RawTarget { get; init; }

    public required IReadOnlyDictionary<string, string[]> Headers { get; init; }

    public required string RemoteAddress { get; init; }

    public byte[] Body { get; internal set; } = [];

    /// <summary>All values of a header joined with ", ", or null when it is absent.</summary>
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var values) ? string.Join(", ", values) : null;

    public bool HasHeader(string name) => Headers.ContainsKey(name);
}
