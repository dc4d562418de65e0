namespace PyAirtable.Gateway.Documentation;

/// <summary>The documents of one build, one per API version; <paramref name="Generation"/> counts builds from 1.</summary>
internal sealed record PublishedDocuments(PublishedDocument V1, PublishedDocument V2, long Generation);
