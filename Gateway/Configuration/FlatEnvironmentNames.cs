namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// The contract's flat variable names (as the Python service read them) and the configuration
/// keys they set. This is the one place where the two naming schemes meet.
/// </summary>
internal static class FlatEnvironmentNames
{
    private static bool IsNumber(string value, bool whole) => whole
        ? long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _)
        : double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>Flat name to hierarchical configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, string> Map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["AIRTABLE_GATEWAY_URL"] = "Gateway:Services:AirtableGateway:Url",
        ["MCP_SERVER_URL"] = "Gateway:Services:McpServer:Url",
        ["LLM_ORCHESTRATOR_URL"] = "Gateway:Services:LlmOrchestrator:Url",
        ["AIRTABLE_GATEWAY_BACKUP_URL"] = "Gateway:Services:AirtableGateway:BackupUrl",
        ["MCP_SERVER_BACKUP_URL"] = "Gateway:Services:McpServer:BackupUrl",
        ["LLM_ORCHESTRATOR_BACKUP_URL"] = "Gateway:Services:LlmOrchestrator:BackupUrl",
        ["API_KEY"] = "Gateway:Auth:ApiKey",
        ["CORS_ORIGINS"] = "Gateway:Cors:Origins",
        ["HEALTH_CHECK_TIMEOUT"] = "Gateway:Health:TimeoutSeconds",
        ["UPSTREAM_TIMEOUT"] = "Gateway:Forwarding:TimeoutSeconds",
        ["MAX_REQUEST_BODY_BYTES"] = "Gateway:Forwarding:MaxRequestBodyBytes",
        ["RATE_LIMIT_PER_MINUTE"] = "Gateway:RateLimits:PerMinute",
        ["CHAT_RATE_LIMIT_PER_MINUTE"] = "Gateway:RateLimits:ChatPerMinute",
        ["DRAIN_TIMEOUT"] = "Gateway:Shutdown:DrainTimeoutSeconds",
        ["JWT_SECRET"] = "Gateway:Auth:Jwt:Secret",
        ["JWT_AUTHORITY"] = "Gateway:Auth:Jwt:Authority",
        ["JWT_ISSUER"] = "Gateway:Auth:Jwt:Issuer",
        ["JWT_AUDIENCE"] = "Gateway:Auth:Jwt:Audience",
        ["REDIS_URL"] = "Gateway:RateLimits:Redis",
        ["GATEWAY_CONFIG_FILE"] = "Gateway:ConfigFile",
        ["LOG_FORMAT"] = "Logging:Console:FormatterName",
    };

    /// <summary>Flat names whose value must be a number: whole (<c>true</c>) or not.</summary>
    private static readonly Dictionary<string, bool> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HEALTH_CHECK_TIMEOUT"] = false,
        ["UPSTREAM_TIMEOUT"] = false,
        ["DRAIN_TIMEOUT"] = false,
        ["MAX_REQUEST_BODY_BYTES"] = true,
        ["RATE_LIMIT_PER_MINUTE"] = true,
        ["CHAT_RATE_LIMIT_PER_MINUTE"] = true,
    };

    /// <summary>The flat name that sets <paramref name="key"/>, for error messages; the key itself when none does.</summary>
    public static string Describe(string key)
    {
        foreach (var (flat, mapped) in Map)
        {
            if (string.Equals(mapped, key, StringComparison.OrdinalIgnoreCase))
            {
                return $"{flat} ({mapped})";
            }
        }

        return key;
    }

    /// <summary>Reads the flat names present in <paramref name="configuration"/> and returns them under their hierarchical keys.</summary>
    public static Dictionary<string, string?> Translate(IConfiguration configuration)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        List<string>? errors = null;
        foreach (var (flat, key) in Map)
        {
            var value = configuration[flat];
            if (value is null)
            {
                continue;
            }

            if (Numbers.TryGetValue(flat, out var whole) && !IsNumber(value, whole))
            {
                (errors ??= []).Add($"{flat} ({key}) must be {(whole ? "a whole number" : "a number")} (got '{value}').");
                continue;
            }

            values[key] = value;
        }

        return errors is null ? values : throw new OptionsValidationException(string.Join(", ", errors), typeof(string), errors);
    }
}
