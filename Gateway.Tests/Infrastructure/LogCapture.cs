using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every line it is given and lets a test await one: add it to a running
/// gateway with <see cref="AttachTo"/> (the gateway's level filters still apply).
/// </summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<LogLine> _lines = [];
    private readonly List<(Func<LogLine, bool> Match, TaskCompletionSource<LogLine> Found)> _waiters = [];

    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public static LogCapture AttachTo(IServiceProvider services)
    {
        var capture = new LogCapture();
        services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    /// <summary>The first line (already written or still to come) with <paramref name="eventId"/> that <paramref name="match"/> accepts; fails after <see cref="Timeouts.Signal"/>.</summary>
    public Task<LogLine> WaitForAsync(int eventId, Func<LogLine, bool>? match = null)
    {
        bool Accept(LogLine line) => line.EventId == eventId && (match?.Invoke(line) ?? true);
        lock (_gate)
        {
            if (_lines.FirstOrDefault(Accept) is { } seen)
            {
                return Task.FromResult(seen);
            }

            var found = new TaskCompletionSource<LogLine>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Accept, found));
            return found.Task.WithTimeout();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogLine line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    internal sealed record LogLine(string Category, LogLevel Level, int EventId, string Message);

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Add(new LogLine(category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
