namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// Checks Kestrel's certificate settings before the server starts: every <c>Path</c> and <c>KeyPath</c> under
/// <c>Kestrel:Certificates:&lt;name&gt;</c> and <c>Kestrel:Endpoints:&lt;name&gt;:Certificate</c> must name a file, so a
/// wrong path stops start-up with the setting and the path rather than a file-system error from deep in the server.
/// </summary>
internal static class CertificateSettings
{
    public static void ThrowIfMissing(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var certificate in configuration.GetSection("Kestrel:Certificates").GetChildren())
        {
            Check(certificate, problems);
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            Check(endpoint.GetSection("Certificate"), problems);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }
    }

    private static void Check(IConfigurationSection certificate, List<string> problems)
    {
        foreach (var field in (string[])["Path", "KeyPath"])
        {
            var path = certificate[field];
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
            {
                problems.Add($"{certificate.Path}:{field} names no readable file (got '{path}'); mount the certificate there or correct the setting (docs/https.md).");
            }
        }
    }
}
