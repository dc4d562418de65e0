namespace PyAirtable.Gateway.Configuration;

/// <summary>The polled configuration files (appsettings files and <c>GATEWAY_CONFIG_FILE</c>), for logging and introspection.</summary>
internal sealed class ConfigFiles : IDisposable
{
    private readonly List<ConfigFileSource> _sources = [];

    public IReadOnlyList<ConfigFileSource> Sources => _sources;

    public void Add(ConfigFileSource source) => _sources.Add(source);

    /// <summary>Stops the polls (the configuration manager is not always disposed with the host).</summary>
    public void Dispose()
    {
        foreach (var source in _sources)
        {
            source.Provider?.Dispose();
        }
    }
}
