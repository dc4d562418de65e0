namespace PyAirtable.Gateway.Health;

/// <summary>Graceful shutdown (section <c>Gateway:Shutdown</c>).</summary>
internal sealed class ShutdownOptions
{
    public const string Section = "Gateway:Shutdown";

    /// <summary>Seconds that requests in flight get to finish after SIGTERM.</summary>
    public double DrainTimeoutSeconds { get; set; } = 30;
}
