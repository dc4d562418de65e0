namespace PyAirtable.Gateway.Observability;

/// <summary>Endpoint metadata: the route template used as the <c>endpoint</c> label of metrics.</summary>
internal sealed record MetricsLabel(string Endpoint);
