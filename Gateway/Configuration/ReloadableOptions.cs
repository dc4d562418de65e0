using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// The current value of a reloadable options section, and the last good one when a change is bad. Each configuration
/// change whose section differs from the value in use is bound and validated again through the options factory
/// (the same configuration binding and <see cref="IValidateOptions{TOptions}"/> validators as at start); a change that
/// fails either is logged once and ignored, so the previous value stays in use. Reading <see cref="Current"/> is one
/// volatile field read. Consumers that derive state from the options (policies, instance lists) rebuild it in
/// <see cref="Changed"/>, which runs on the thread that noticed the change, never on a request.
/// </summary>
/// <remarks>
/// Read options that reload through this type, not through <see cref="IOptionsMonitor{TOptions}.CurrentValue"/>:
/// after a bad change the monitor's cache is empty and its next read throws the validation error again.
/// </remarks>
internal sealed class ReloadableOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>
    : IReloadableOptions, IDisposable
    where TOptions : class
{
    private readonly IOptionsFactory<TOptions> _factory;
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private volatile TOptions _current;
    private volatile ReloadStatus _status;
    private volatile IReadOnlyList<KeyValuePair<string, string?>> _settings;
    private string? _rejectedHash;

    public ReloadableOptions(string section, IOptionsFactory<TOptions> factory, IConfiguration configuration, TimeProvider time, ILoggerFactory loggers)
    {
        Section = section;
        _factory = factory;
        _configuration = configuration;
        _time = time;
        _logger = loggers.CreateLogger("PyAirtable.Gateway.Configuration.ReloadableOptions");
        _current = factory.Create(Options.DefaultName);
        _settings = SectionSettings();
        _status = new ReloadStatus(Hash(_settings), time.GetUtcNow(), 0);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Raised with the new value after a good reload changed the section.</summary>
    public event Action<TOptions>? Changed;

    public string Section { get; }

    /// <summary>The value in use: the one from start, or from the last good reload.</summary>
    public TOptions Current => _current;

    public ReloadStatus Status => _status;

    public IReadOnlyList<KeyValuePair<string, string?>> Settings => _settings;

    /// <summary>Binds and validates the section again; keeps the value in use when that fails. Called on every configuration change.</summary>
    public void Reload()
    {
        lock (_gate)
        {
            var settings = SectionSettings();
            var hash = Hash(settings);
            var status = _status;
            if (hash == status.Hash)
            {
                // Back to (or still at) the configuration in use.
                if (status.Rejected is not null)
                {
                    _rejectedHash = null;
                    _status = status with { Rejected = null, RejectedAt = null };
                }

                return;
            }

            if (hash == _rejectedHash)
            {
                return; // this bad change was reported already
            }

            TOptions next;
            try
            {
                next = _factory.Create(Options.DefaultName);
            }
            catch (Exception ex)
            {
                var why = ex switch
                {
                    OptionsValidationException validation => string.Join(" ", validation.Failures),
                    // Binding: the key, then the value's problem; the value is echoed, so any secret in it is masked.
                    { InnerException: { } inner } => SecretMasking.MaskText($"{ex.Message} ({inner.GetBaseException().Message})"),
                    _ => ex.Message,
                };
                _rejectedHash = hash;
                _status = status with { Rejected = why, RejectedAt = _time.GetUtcNow() };
                ReloadableOptionsLog.Rejected(_logger, Section, why);
                return;
            }

            _rejectedHash = null;
            _current = next;
            _settings = settings;
            _status = new ReloadStatus(hash, _time.GetUtcNow(), status.Reloads + 1);
            ReloadableOptionsLog.Reloaded(_logger, Section, hash[..12]);

            // Under the lock, so listeners see changes in order even when two files reload at once.
            try
            {
                Changed?.Invoke(next);
            }
            catch (Exception ex)
            {
                ReloadableOptionsLog.ApplyFailed(_logger, Section, ex);
            }
        }
    }

    public void Dispose() => _subscription.Dispose();

    /// <summary>The section's keys and values now, sorted by key.</summary>
    private List<KeyValuePair<string, string?>> SectionSettings()
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var pair in _configuration.GetSection(Section).AsEnumerable())
        {
            if (pair.Value is not null)
            {
                pairs.Add(pair);
            }
        }

        pairs.Sort(static (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key));
        return pairs;
    }

    /// <summary>SHA-256 over sorted keys and values: equal sections hash equal.</summary>
    private static string Hash(IReadOnlyList<KeyValuePair<string, string?>> pairs)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            text.Append(key.ToUpperInvariant()).Append('\0').Append(value).Append('\0');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>The log lines of <see cref="ReloadableOptions{TOptions}"/> (outside it: the logging generator does not take generic classes).</summary>
internal static partial class ReloadableOptionsLog
{
    [LoggerMessage(8001, LogLevel.Warning, "Configuration change to {Section} ignored, the last good configuration stays in use: {Reason}")]
    public static partial void Rejected(ILogger logger, string section, string reason);

    [LoggerMessage(8002, LogLevel.Information, "Configuration section {Section} reloaded (hash {Hash})")]
    public static partial void Reloaded(ILogger logger, string section, string hash);

    [LoggerMessage(8003, LogLevel.Error, "Applying the reloaded configuration section {Section} failed")]
    public static partial void ApplyFailed(ILogger logger, string section, Exception exception);
}
