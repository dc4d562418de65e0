using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Documentation;

internal sealed class DocumentationOptionsValidator : IValidateOptions<DocumentationOptions>
{
    public ValidateOptionsResult Validate(string? name, DocumentationOptions options)
    {
        var errors = new OptionsErrors(DocumentationOptions.Section);
        if (options.RefreshSeconds is < 10 or > 86_400)
        {
            errors.Add(nameof(options.RefreshSeconds), options.RefreshSeconds, "must be a number of seconds from 10 to 86400");
        }

        if (options.FetchTimeoutSeconds is < 1 or > 120)
        {
            errors.Add(nameof(options.FetchTimeoutSeconds), options.FetchTimeoutSeconds, "must be a number of seconds from 1 to 120");
        }

        if (options.MaxDocumentBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add(nameof(options.MaxDocumentBytes), options.MaxDocumentBytes, "must be a number of bytes from 1024 to 67108864");
        }

        foreach (var (service, path) in options.Paths)
        {
            if (!IsPath(path))
            {
                errors.Add($"{nameof(options.Paths)}:{service}", path, "must be an absolute path such as /openapi.json (no scheme, host, '//' or '..')");
            }
        }

        return errors.Outcome;
    }

    private static bool IsPath(string? path) =>
        path is { Length: > 1 } && path[0] == '/' && path[1] != '/' && !path.Contains("/../", StringComparison.Ordinal)
        && !path.EndsWith("/..", StringComparison.Ordinal) && !path.Contains('#') && !path.Any(char.IsWhiteSpace) && !path.Any(char.IsControl);
}
