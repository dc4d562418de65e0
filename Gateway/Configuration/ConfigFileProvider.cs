using System.Security.Cryptography;

namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// A JSON configuration file that is read at start and then polled: every poll reads the file and compares a
/// SHA-256 of its bytes with the last content seen. Polling the content, rather than watching for file events, works
/// the same on every file system and in a container, including a Kubernetes ConfigMap volume (updated by swapping a
/// symbolic link, which file watchers do not report on the file). A missing or broken file at start stops start-up;
/// later the last good content stays in force and the problem is logged once per bad content (once two polls in a
/// row have seen it, so a file caught half-written is not reported).
/// </summary>
internal sealed partial class ConfigFileProvider : ConfigurationProvider, IDisposable
{
    private readonly TimeSpan _pollInterval;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private bool _disposed;
    private string? _seen;
    private string? _suspect;
    private ILogger? _logger;
    private string? _unlogged;
    private volatile FileStatus _status = new(null, null, 0);

    public ConfigFileProvider(string path, TimeSpan pollInterval)
    {
        Path = path;
        _pollInterval = pollInterval;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Hash and time of the content in force, good reloads since start, and the last content refused.</summary>
    public FileStatus Status => _status;

    /// <summary>Reads the file at start; any problem stops start-up with a message naming the file.</summary>
    public override void Load()
    {
        lock (_gate)
        {
            if (_timer is not null)
            {
                return; // the poll keeps the data current
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"The configuration file {Path} cannot be read: {ex.Message}", ex);
            }

            if (!TryParse(bytes, out var data, out var problem))
            {
                throw new InvalidOperationException($"The configuration file {Path} is not valid JSON configuration: {problem}");
            }

            Data = data;
            _seen = Hash(bytes);
            _status = new FileStatus(_seen, DateTimeOffset.UtcNow, 0);
            _timer = TimeProvider.System.CreateTimer(static state => ((ConfigFileProvider)state!).Poll(), this, _pollInterval, _pollInterval);
        }
    }

    /// <summary>Logs through <paramref name="logger"/> from now on, starting with a problem seen before it existed.</summary>
    public void AttachLogger(ILogger logger)
    {
        lock (_gate)
        {
            _logger = logger;
            if (_unlogged is not null)
            {
                Log.Ignored(logger, Path, _unlogged);
                _unlogged = null;
            }
        }
    }

    /// <summary>Reads the file once and applies it when its content changed; returns true when new content was applied.</summary>
    public bool Poll()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            byte[]? bytes;
            string seen;
            try
            {
                bytes = File.ReadAllBytes(Path);
                seen = Hash(bytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                bytes = null;
                seen = ex is FileNotFoundException or DirectoryNotFoundException ? "missing" : "unreadable: " + ex.Message;
            }

            if (seen == _seen)
            {
                return false;
            }

            Dictionary<string, string?>? data = null;
            var problem = bytes is null
                ? seen == "missing" ? "the file is missing" : "the file cannot be read (" + seen + ")"
                : TryParse(bytes, out data, out var parseProblem) ? null : parseProblem;
            if (problem is not null)
            {
                // Reported when a second poll sees the same content: an editor that rewrites the file in place is
                // caught half-way now and then, and that is not worth a warning.
                if (seen == _suspect)
                {
                    _seen = seen;
                    _suspect = null;
                    Report(problem);
                }
                else
                {
                    _suspect = seen;
                }

                return false;
            }

            _seen = seen;
            _suspect = null;

            Data = data!;
            _status = new FileStatus(seen, DateTimeOffset.UtcNow, _status.Reloads + 1);
            if (_logger is not null)
            {
                Log.Reloaded(_logger, Path, seen[..12]);
            }

            try
            {
                OnReload();
            }
            catch (Exception ex)
            {
                // Options monitors rethrow a bad section's validation error to the change callbacks; ReloadableOptions
                // has logged the reason already.
                if (_logger is not null)
                {
                    Log.ListenerFailed(_logger, ex.GetBaseException().Message);
                }
            }

            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _disposed = true;
        }
    }

    private void Report(string problem)
    {
        _status = _status with { Rejected = problem, RejectedAt = DateTimeOffset.UtcNow };
        if (_logger is null)
        {
            _unlogged = problem;
        }
        else
        {
            Log.Ignored(_logger, Path, problem);
        }
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Parses with the framework's JSON configuration parser (comments and trailing commas allowed).</summary>
    private static bool TryParse(byte[] bytes, out Dictionary<string, string?> data, out string problem)
    {
        data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var parsed = new ConfigurationBuilder().AddJsonStream(stream).Build();
            foreach (var (key, value) in parsed.AsEnumerable())
            {
                if (value is not null)
                {
                    data[key] = value;
                }
            }

            problem = "";
            return true;
        }
        catch (Exception ex)
        {
            problem = ex.GetBaseException().Message;
            return false;
        }
    }

    /// <summary>
    /// The content in force: its SHA-256 (hex), when it was read, and good reloads since start; <paramref name="Rejected"/>
    /// says why the file's latest content was refused (null when the content in force is the latest).
    /// </summary>
    internal sealed record FileStatus(string? Hash, DateTimeOffset? LoadedAt, int Reloads, string? Rejected = null, DateTimeOffset? RejectedAt = null);

    private static partial class Log
    {
        [LoggerMessage(8010, LogLevel.Warning, "Configuration file {Path} ignored, the last good content stays in force: {Reason}")]
        public static partial void Ignored(ILogger logger, string path, string reason);

        [LoggerMessage(8011, LogLevel.Information, "Configuration file {Path} reloaded (hash {Hash})")]
        public static partial void Reloaded(ILogger logger, string path, string hash);

        [LoggerMessage(8012, LogLevel.Debug, "A configuration change listener failed: {Reason}")]
        public static partial void ListenerFailed(ILogger logger, string reason);
    }
}
