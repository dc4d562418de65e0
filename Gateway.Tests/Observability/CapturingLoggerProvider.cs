using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Observability;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every entry, with its structured fields, and lets a test await one.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly List<(Func<Entry, bool> Match, TaskCompletionSource<Entry> Signal)> _waiters = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Adds this provider to a running gateway's logging.</summary>
    public static CapturingLoggerProvider AttachTo(GatewayHost gateway)
    {
        var provider = new CapturingLoggerProvider();
        gateway.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(provider);
        return provider;
    }

    /// <summary>The first entry (already logged or still to come) that matches; fails after the signal timeout.</summary>
    public Task<Entry> WaitForAsync(Func<Entry, bool> match)
    {
        var signal = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                if (match(entry))
                {
                    return Task.FromResult(entry);
                }
            }

            _waiters.Add((match, signal));
        }

        return signal.Task.WithTimeout();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(Entry entry)
    {
        lock (_gate)
        {
            _entries.Enqueue(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    _waiters[i].Signal.TrySetResult(entry);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    internal sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Fields)
    {
        public object? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    fields[key] = value;
                }
            }

            owner.Add(new Entry(category, logLevel, eventId, formatter(state, exception), fields));
        }
    }
}
