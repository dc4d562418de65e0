using PyAirtable.Gateway.Configuration;

namespace PyAirtable.Gateway.GraphQL;

internal sealed class GraphQLOptionsValidator : IValidateOptions<GraphQLOptions>
{
    public ValidateOptionsResult Validate(string? name, GraphQLOptions options)
    {
        var errors = new OptionsErrors(GraphQLOptions.Section);
        if (options.MaxDepth is < 2 or > 100)
        {
            errors.Add(nameof(options.MaxDepth), options.MaxDepth, "must be a depth from 2 to 100");
        }

        if (options.MaxComplexity is < 1 or > 1_000_000)
        {
            errors.Add(nameof(options.MaxComplexity), options.MaxComplexity, "must be a number from 1 to 1000000");
        }

        if (options.ListMultiplier is < 1 or > 1000)
        {
            errors.Add(nameof(options.ListMultiplier), options.ListMultiplier, "must be a number from 1 to 1000");
        }

        if (options.MaxAliases is < 0 or > 1000)
        {
            errors.Add(nameof(options.MaxAliases), options.MaxAliases, "must be a number from 0 to 1000");
        }

        if (options.MaxDocumentBytes is < 256 or > 16 * 1024 * 1024)
        {
            errors.Add(nameof(options.MaxDocumentBytes), options.MaxDocumentBytes, "must be a number of bytes from 256 to 16777216");
        }

        if (options.MaxRequestBytes < options.MaxDocumentBytes || options.MaxRequestBytes > 64 * 1024 * 1024)
        {
            errors.Add(nameof(options.MaxRequestBytes), options.MaxRequestBytes, "must be a number of bytes from MaxDocumentBytes to 67108864");
        }

        if (options.MaxUpstreamResponseBytes is < 1024 or > 256 * 1024 * 1024)
        {
            errors.Add(nameof(options.MaxUpstreamResponseBytes), options.MaxUpstreamResponseBytes, "must be a number of bytes from 1024 to 268435456");
        }

        return errors.Outcome;
    }
}
