using System.Diagnostics.CodeAnalysis;

namespace PyAirtable.Gateway.Configuration;

internal static class ConfigurationExtensions
{
    public const string ConfigFileKey = "Gateway:ConfigFile";

    public const string PollSecondsKey = "Gateway:ConfigFilePollSeconds";

    public const double DefaultPollSeconds = 5;

    /// <summary>
    /// Makes the contract's flat names (environment variables or <c>--NAME=value</c> arguments)
    /// win over the <c>Gateway:...</c> section from files, as the Python service's variables did.
    /// </summary>
    public static WebApplicationBuilder AddGatewayConfiguration(this WebApplicationBuilder builder)
    {
        var flat = FlatEnvironmentNames.Translate(builder.Configuration);
        if (flat.Count > 0)
        {
            builder.Configuration.AddInMemoryCollection(flat);
        }

        builder.AddGatewayConfigFile();
        builder.Services.AddHostedService<ConfigurationReloadService>();
        return builder;
    }

    /// <summary>
    /// Adds the watched JSON file named by <c>GATEWAY_CONFIG_FILE</c> (or <c>Gateway:ConfigFile</c>) last, so its
    /// settings win over every other source (flat names included): it is the layer that changes while the gateway
    /// runs. Polled every <c>Gateway:ConfigFilePollSeconds</c> (default 5).
    /// </summary>
    private static void AddGatewayConfigFile(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var path = configuration[ConfigFileKey]; // GATEWAY_CONFIG_FILE maps here (FlatEnvironmentNames)
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var poll = configuration[PollSecondsKey];
        double seconds = DefaultPollSeconds;
        if (poll is not null && (!double.TryParse(poll, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out seconds)
            || !(seconds >= 0.05 && seconds <= 3600)))
        {
            throw new OptionsValidationException(PollSecondsKey, typeof(string), [$"{PollSecondsKey} must be a number of seconds from 0.05 to 3600 (got '{poll}')."]);
        }

        var source = new ConfigFileSource(path, TimeSpan.FromSeconds(seconds));
        ((IConfigurationBuilder)configuration).Add(source);
        var provider = source.Provider;
        builder.Services.AddSingleton(_ => provider); // disposed (its poll stopped) with the host
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
