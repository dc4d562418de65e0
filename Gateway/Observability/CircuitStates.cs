using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Observability;

/// <summary>The state of a circuit breaker, as metrics and the dashboard show it.</summary>
internal enum CircuitState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

/// <summary>
/// The circuit state of every service instance, for <c>gateway_circuit_state</c>, <c>/_gateway/services</c> and the
/// dashboard. It follows the resilience pipelines by listening to Polly's own telemetry (the
/// <c>resilience.polly.strategy.events</c> instrument of the <c>Polly</c> meter: <c>OnCircuitOpened</c>,
/// <c>OnCircuitHalfOpened</c>, <c>OnCircuitClosed</c>, tagged with the pipeline and its instance, which is the upstream
/// authority), so the breaker needs no reference to it; <see cref="Report"/> lets any other breaker report directly.
/// </summary>
internal sealed class CircuitStates : IDisposable
{
    private const string PollyMeter = "Polly";
    private const string PollyEvents = "resilience.polly.strategy.events";

    private readonly UpstreamServices _services;
    private readonly ConcurrentDictionary<(string Service, string Authority), CircuitState> _states = new();
    private readonly MeterListener _listener = new();

    public CircuitStates(UpstreamServices services)
    {
        _services = services;
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == PollyMeter && instrument.Name == PollyEvents)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, _, tags, _) => OnPollyEvent(tags));
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) => OnPollyEvent(tags));
        _listener.Start();
    }

    /// <summary>Records a transition; <paramref name="instance"/> is the instance's base URL or its authority.</summary>
    public void Report(string service, string instance, CircuitState state) => _states[(service, Authority(instance))] = state;

    /// <summary>The state of one instance (closed when nothing was reported).</summary>
    public CircuitState Get(string service, string instance) =>
        _states.TryGetValue((service, Authority(instance)), out var state) ? state : CircuitState.Closed;

    /// <summary>The worst state over a service's instances: open only when every instance is open.</summary>
    public CircuitState OfService(UpstreamService service)
    {
        var open = 0;
        var halfOpen = false;
        foreach (var instance in service.Instances)
        {
            switch (Get(service.Name, instance))
            {
                case CircuitState.Open:
                    open++;
                    break;
                case CircuitState.HalfOpen:
                    halfOpen = true;
                    break;
            }
        }

        return open == service.Instances.Count ? CircuitState.Open : halfOpen || open > 0 ? CircuitState.HalfOpen : CircuitState.Closed;
    }

    public static string Name(CircuitState state) => state switch
    {
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half-open",
        _ => "closed",
    };

    internal IEnumerable<Measurement<int>> Observe()
    {
        var measurements = new List<Measurement<int>>();
        foreach (var service in _services.All)
        {
            foreach (var instance in service.Instances)
            {
                measurements.Add(new Measurement<int>(
                    (int)Get(service.Name, instance),
                    new KeyValuePair<string, object?>("service", service.Name),
                    new KeyValuePair<string, object?>("instance", instance)));
            }
        }

        return measurements;
    }

    private void OnPollyEvent(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? eventName = null, pipeline = null, instance = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "event.name":
                    eventName = tag.Value as string;
                    break;
                case "pipeline.name":
                    pipeline = tag.Value as string;
                    break;
                case "pipeline.instance":
                    instance = tag.Value as string;
                    break;
            }
        }

        CircuitState state;
        switch (eventName)
        {
            case "OnCircuitOpened":
                state = CircuitState.Open;
                break;
            case "OnCircuitHalfOpened":
                state = CircuitState.HalfOpen;
                break;
            case "OnCircuitClosed":
                state = CircuitState.Closed;
                break;
            default:
                return;
        }

        if (pipeline is null || ServiceOf(pipeline) is not { } service)
        {
            return;
        }

        if (string.IsNullOrEmpty(instance))
        {
            // One breaker for the whole service: every instance shares its state.
            foreach (var url in service.Instances)
            {
                Report(service.Name, url, state);
            }

            return;
        }

        Report(service.Name, instance, state);
    }

    private UpstreamService? ServiceOf(string pipeline)
    {
        foreach (var service in _services.All)
        {
            if (pipeline.Contains(service.Name, StringComparison.Ordinal))
            {
                return service;
            }
        }

        return null;
    }

    /// <summary><c>scheme://host:port</c> of a URL (lower case), or the value itself when it is not an absolute URL.</summary>
    internal static string Authority(string instance) =>
        Uri.TryCreate(instance, UriKind.Absolute, out var uri)
            ? string.Concat(uri.Scheme, "://", uri.Host, ":", uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : instance;

    public void Dispose() => _listener.Dispose();
}
