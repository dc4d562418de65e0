namespace PyAirtable.Gateway.Configuration;

internal static class ConfigurationExtensions
{
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

        return builder;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
