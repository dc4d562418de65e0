using System.Globalization;

namespace PyAirtable.Gateway.Configuration;

/// <summary>Collects option errors as messages that name the setting (flat name and key) and the bad value, secrets masked.</summary>
internal sealed class OptionsErrors
{
    private readonly string _section;
    private List<string>? _errors;

    public OptionsErrors(string section) => _section = section;

    public void Add(string property, object? value, string problem)
    {
        var key = FlatEnvironmentNames.Describe($"{_section}:{property}");
        var shown = value switch
        {
            null => "(not set)",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        // A value (and a problem that quotes it) may hold a secret inside: a password in a URL or connection string.
        (_errors ??= []).Add($"{key} {SecretMasking.MaskText(problem)} (got '{SecretMasking.MaskText(shown ?? "")}').");
    }

    public void AddSecret(string property, string problem)
    {
        var key = FlatEnvironmentNames.Describe($"{_section}:{property}");
        (_errors ??= []).Add($"{key} {problem}.");
    }

    public ValidateOptionsResult Outcome => _errors is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}
