namespace PyAirtable.Gateway.Documentation;

/// <summary>One built document as served: its bytes and their strong entity tag.</summary>
internal sealed record PublishedDocument(byte[] Body, string ETag);
