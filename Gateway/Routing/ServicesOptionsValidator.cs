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
        return errors.Result;
    }

    private static void Check(OptionsErrors errors, string service, ServiceEndpointOptions endpoint)
    {
        if (!ServiceUrls.TryParse(endpoint.Url, out _, out var problem))
        {
            errors.Add($"{service}:Url", endpoint.Url, problem);
        }

        if (!string.IsNullOrWhiteSpace(endpoint.BackupUrl) && !ServiceUrls.TryParse(endpoint.BackupUrl, out _, out problem))
        {
            errors.Add($"{service}:BackupUrl", endpoint.BackupUrl, problem);
        }
    }
}
