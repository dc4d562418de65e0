using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.Routing;

internal sealed class ServicesOptionsValidator : IValidateOptions<ServicesOptions>
{
    public ValidateOptionsResult Validate(string? name, ServicesOptions options)
    {
        var errors = new OptionsErrors(ServicesOptions.Section);
        Check(errors, "AirtableGateway", options.AirtableGateway);
        Check(errors, "McpServer", options.McpServer);
        Check(errors, "LlmOrchestrator", options.LlmOrchestrator);
        return errors.Outcome;
    }

    private static void Check(OptionsErrors errors, string service, ServiceEndpointOptions endpoint)
    {
        if (!ServiceUrls.TryParse(endpoint.Url, out var primaries, out var problem))
        {
            errors.Add($"{service}:Url", endpoint.Url, problem);
        }

        string[]? backups = null;
        if (!string.IsNullOrWhiteSpace(endpoint.BackupUrl) && !ServiceUrls.TryParse(endpoint.BackupUrl, out backups, out problem))
        {
            errors.Add($"{service}:BackupUrl", endpoint.BackupUrl, problem);
        }

        if ((primaries?.Length ?? 0) + (backups?.Length ?? 0) > MaxInstances)
        {
            errors.Add($"{service}:Url", endpoint.Url, $"names more than {MaxInstances} instances (primaries and backups together)");
        }
    }

    /// <summary>The most instances a service may have (one bit each in a request's tried-instances mask).</summary>
    public const int MaxInstances = 64;
}
