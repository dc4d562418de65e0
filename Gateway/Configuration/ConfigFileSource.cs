namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// A polled JSON configuration file (see <see cref="ConfigFileProvider"/>). Each build makes a new provider (the
/// configuration manager disposes the old ones when its sources change); <see cref="Provider"/> is the one in use.
/// </summary>
internal sealed class ConfigFileSource : IConfigurationSource
{
    private readonly TimeSpan _pollInterval;
    private ILogger? _logger;

    public ConfigFileSource(string path, TimeSpan pollInterval)
    {
        Path = System.IO.Path.GetFullPath(path);
        _pollInterval = pollInterval;
    }

    public string Path { get; }

    /// <summary>The provider built last, the one the configuration reads.</summary>
    public ConfigFileProvider? Provider { get; private set; }

    public IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        var provider = new ConfigFileProvider(Path, _pollInterval);
        if (_logger is not null)
        {
            provider.AttachLogger(_logger);
        }

        Provider = provider;
        return provider;
    }

    /// <summary>Logs through <paramref name="logger"/> from now on (the providers cannot take one from the container that does not exist yet).</summary>
    public void AttachLogger(ILogger logger)
    {
        _logger = logger;
        Provider?.AttachLogger(logger);
    }
}
