namespace PyAirtable.Gateway.Configuration;

/// <summary>The watched JSON configuration file (<c>GATEWAY_CONFIG_FILE</c>); see <see cref="ConfigFileProvider"/>.</summary>
internal sealed class ConfigFileSource : IConfigurationSource
{
    public ConfigFileSource(string path, TimeSpan pollInterval) => Provider = new ConfigFileProvider(path, pollInterval);

    public ConfigFileProvider Provider { get; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}
