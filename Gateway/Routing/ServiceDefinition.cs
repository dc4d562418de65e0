namespace PyAirtable.Gateway.Routing;

/// <summary>A service declared by name under <c>Gateway:Services</c> besides the three built-in ones.</summary>
internal sealed record ServiceDefinition(string Name, string? Url, string? BackupUrl);
