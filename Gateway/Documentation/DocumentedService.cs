namespace PyAirtable.Gateway.Documentation;

/// <summary>Where a service's own OpenAPI document is fetched from: its base URLs, in order of preference, and the pooled invoker that reaches them.</summary>
internal sealed record DocumentedService(string Name, string[] BaseUrls, HttpMessageInvoker Invoker);
