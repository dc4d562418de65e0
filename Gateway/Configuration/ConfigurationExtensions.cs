using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration.Json;

namespace PyAirtable.Gateway.Configuration;

internal static class ConfigurationExtensions
{
    public const string ConfigFileKey = "Gateway:ConfigFile";

    public const string PollSecondsKey = "Gateway:ConfigFilePollSeconds";

    public const double DefaultPollSeconds = 5;

    /// <summary>
    /// Makes the contract's flat names (environment variables or <c>--NAME=value</c> arguments)
    /// win over the <c>Gateway:...</c> section from files, as the Python service's variables did; and makes the
    /// configuration files reload safely (<see cref="ConfigFileProvider"/>): the appsettings files, and the file named
    /// by <c>GATEWAY_CONFIG_FILE</c>, which is added last so its settings win over every other source.
    /// </summary>
    public static WebApplicationBuilder AddGatewayConfiguration(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var poll = PollInterval(configuration);
        var files = new ConfigFiles();
        PollJsonFiles(configuration, poll, files);

        var flat = FlatEnvironmentNames.Translate(configuration);
        if (flat.Count > 0)
        {
            configuration.AddInMemoryCollection(flat);
        }

        // GATEWAY_CONFIG_FILE maps to this key (FlatEnvironmentNames). Last: the layer that changes while the gateway runs.
        if (configuration[ConfigFileKey] is { Length: > 0 } path)
        {
            var source = new ConfigFileSource(path, poll);
            ((IConfigurationBuilder)configuration).Add(source);
            files.Add(source);
        }

        builder.Services.AddSingleton(_ => files); // resolved at start, so the container disposes it (stopping the polls)
        builder.Services.AddHostedService<ConfigurationReloadService>();
        return builder;
    }

    private static TimeSpan PollInterval(ConfigurationManager configuration)
    {
        var poll = configuration[PollSecondsKey];
        var seconds = DefaultPollSeconds;
        if (poll is not null && (!double.TryParse(poll, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out seconds)
            || !(seconds >= 0.05 && seconds <= 3600)))
        {
            throw new OptionsValidationException(PollSecondsKey, typeof(string), [$"{PollSecondsKey} must be a number of seconds from 0.05 to 3600 (got '{poll}')."]);
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>
    /// Replaces the host's reloading JSON sources (appsettings.json, appsettings.{Environment}.json) that exist with
    /// polled ones. The framework's own reload empties a file's settings when the file is broken (everything from it
    /// falls back to defaults) and relies on file-system events, which a container's mounted files may not raise.
    /// A file that does not exist at start is not followed.
    /// </summary>
    private static void PollJsonFiles(ConfigurationManager configuration, TimeSpan poll, ConfigFiles files)
    {
        var sources = ((IConfigurationBuilder)configuration).Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not JsonConfigurationSource { ReloadOnChange: true } json)
            {
                continue;
            }

            if (json.FileProvider?.GetFileInfo(json.Path ?? "") is { Exists: true, PhysicalPath: { } physical })
            {
                var polled = new ConfigFileSource(physical, poll);
                sources[i] = polled;
                files.Add(polled);
            }
            else
            {
                json.ReloadOnChange = false;
                sources[i] = json;
            }
        }
    }

    /// <summary>
    /// Makes <typeparamref name="TOptions"/> reload: registers <see cref="ReloadableOptions{TOptions}"/> (the value in
    /// use, the last good one after a bad change) for section <paramref name="section"/>, and lists it as an
    /// <see cref="IReloadableOptions"/>. Consumers take <c>ReloadableOptions&lt;TOptions&gt;</c> and read
    /// <c>Current</c> or handle <c>Changed</c>.
    /// </summary>
    public static OptionsBuilder<TOptions> Reloadable<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(this OptionsBuilder<TOptions> options, string section)
        where TOptions : class
    {
        options.Services.AddSingleton(sp => new ReloadableOptions<TOptions>(
            section,
            sp.GetRequiredService<IOptionsFactory<TOptions>>(),
            sp.GetRequiredService<IConfiguration>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>()));
        options.Services.AddSingleton<IReloadableOptions>(static sp => sp.GetRequiredService<ReloadableOptions<TOptions>>());
        return options;
    }

    /// <summary>
    /// Validates <typeparamref name="TOptions"/> with <typeparamref name="TValidator"/> when the host starts. Call it on
    /// <c>services.AddOptions&lt;T&gt;().BindConfiguration(T.Section)</c> written with the concrete type, so the
    /// configuration binding source generator binds it without reflection (native AOT).
    /// </summary>
    public static OptionsBuilder<TOptions> ValidateWith<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this OptionsBuilder<TOptions> options)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        options.Services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return options.ValidateOnStart();
    }
}
