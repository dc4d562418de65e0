namespace PyAirtable.Gateway.Cors;

/// <summary>Browser origins allowed to call the gateway (section <c>Gateway:Cors</c>).</summary>
internal sealed class GatewayCorsOptions
{
    public const string Section = "Gateway:Cors";

    /// <summary>Comma-separated allowed origins; <c>*</c> alone allows any origin, without credentials.</summary>
    public string Origins { get; set; } = "http://localhost:3000";

    /// <summary>Seconds a browser may cache a preflight answer.</summary>
    public int PreflightMaxAgeSeconds { get; set; } = 600;

    /// <summary>The origins as a list.</summary>
    public string[] OriginList => Origins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
