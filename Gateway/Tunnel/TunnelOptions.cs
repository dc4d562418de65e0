namespace PyAirtable.Gateway.Tunnel;

/// <summary>WebSocket pass-through settings (section <c>Gateway:Tunnel</c>); routes turn it on (<c>Gateway:Routes:&lt;name&gt;:WebSocket</c>).</summary>
internal sealed class TunnelOptions
{
    public const string Section = "Gateway:Tunnel";

    /// <summary>Seconds a tunnel may pass no byte in either direction before the gateway closes both sides.</summary>
    public double IdleTimeoutSeconds { get; set; } = 300;

    /// <summary>Bytes of the pooled buffer each direction of a tunnel borrows while data moves (none while idle).</summary>
    public int BufferBytes { get; set; } = 16 * 1024;
}
