namespace PyAirtable.Gateway.Health;

/// <summary>Service health probing (section <c>Gateway:Health</c>).</summary>
internal sealed class HealthOptions
{
    public const string Section = "Gateway:Health";

    /// <summary>Seconds each service's <c>/health</c> probe may take.</summary>
    public double TimeoutSeconds { get; set; } = 5;

    /// <summary>Seconds a finished probe round may be reused to answer <c>/api/health</c> (at most 2, as the contract allows).</summary>
    public double MaxAgeSeconds { get; set; } = 1;

    /// <summary>Seconds between background probe rounds that keep <c>gateway_health_check_status</c> current; 0 switches them off.</summary>
    public double IntervalSeconds { get; set; } = 10;
}
