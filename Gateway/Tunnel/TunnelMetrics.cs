using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Observability;

namespace PyAirtable.Gateway.Tunnel;

/// <summary>
/// The WebSocket pass-through's metrics on the gateway's meter, by route name (a configured, bounded set):
/// <c>gateway_tunnels_open</c> (tunnels open now), <c>gateway_tunnels</c> (tunnels opened) and
/// <c>gateway_tunnel_bytes{direction}</c> (bytes passed on, <c>upstream</c> from client to service and
/// <c>downstream</c> from service to client).
/// </summary>
internal sealed class TunnelMetrics
{
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _bytes;

    public TunnelMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        _open = meter.CreateUpDownCounter<long>("gateway_tunnels_open", description: "WebSocket tunnels open now, by route.");
        _opened = meter.CreateCounter<long>("gateway_tunnels", description: "WebSocket tunnels opened (the service answered 101), by route.");
        _bytes = meter.CreateCounter<long>("gateway_tunnel_bytes", unit: "By", description: "Bytes passed through WebSocket tunnels, by route and direction (upstream: client to service; downstream: service to client).");
    }

    public void Opened(string route)
    {
        var tag = new KeyValuePair<string, object?>("route", route);
        _opened.Add(1, tag);
        _open.Add(1, tag);
    }

    public void Closed(string route) => _open.Add(-1, new KeyValuePair<string, object?>("route", route));

    public void Bytes(string route, bool upstream, long count) =>
        _bytes.Add(count, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("direction", upstream ? "upstream" : "downstream"));
}
