using System.Diagnostics.CodeAnalysis;

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
