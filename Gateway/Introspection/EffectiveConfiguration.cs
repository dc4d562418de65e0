using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Cors;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;
using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Introspection;

/// <summary>
/// The gateway's effective configuration for <c>/_gateway/config</c>: every feature's options as bound now (defaults
/// included), every key set under <c>Gateway:</c> by any source (so a setting of a feature not listed here still shows),
/// secrets masked in both, plus a hash of the document and the time configuration was last (re)loaded.
/// </summary>
internal sealed class EffectiveConfiguration : IDisposable
{
    /// <summary>Property names (case-insensitive substrings) whose values are never shown.</summary>
    private static readonly string[] SecretNames = ["key", "secret", "password", "token", "credential", "connectionstring", "redisurl"];

    private readonly IConfiguration _configuration;
    private readonly (string Section, Func<JsonNode?> Read)[] _options;
    private readonly TimeProvider _time;
    private readonly IDisposable _reloads;
    private DateTimeOffset _lastReload;

    public EffectiveConfiguration(IServiceProvider services, IConfiguration configuration, TimeProvider time)
    {
        _configuration = configuration;
        _time = time;
        _lastReload = time.GetUtcNow();
        _reloads = ChangeToken.OnChange(configuration.GetReloadToken, () => _lastReload = _time.GetUtcNow());
        var json = OptionsJsonContext.Default;
        _options =
        [
            View(services, AuthOptions.Section, json.AuthOptions),
            View(services, ServicesOptions.Section, json.ServicesOptions),
            View(services, LoadBalancingOptions.Section, json.LoadBalancingOptions),
            View(services, ForwardingOptions.Section, json.ForwardingOptions),
            View(services, RetryOptions.Section, json.RetryOptions),
            View(services, CircuitBreakerOptions.Section, json.CircuitBreakerOptions),
            View(services, RateLimitOptions.Section, json.RateLimitOptions),
            View(services, GatewayCorsOptions.Section, json.GatewayCorsOptions),
            View(services, HealthOptions.Section, json.HealthOptions),
            View(services, ShutdownOptions.Section, json.ShutdownOptions),
            View(services, ObservabilityOptions.Section, json.ObservabilityOptions),
        ];
    }

    public DateTimeOffset LastReload => _lastReload;

    /// <summary>The masked document: <c>options</c> by section, and <c>configured</c>: every key set under <c>Gateway:</c>.</summary>
    public JsonObject Snapshot()
    {
        var options = new JsonObject();
        foreach (var (section, read) in _options)
        {
            options[section] = Mask(read());
        }

        var configured = new JsonObject();
        var keys = new List<KeyValuePair<string, string?>>();
        foreach (var pair in _configuration.GetSection("Gateway").AsEnumerable())
        {
            if (pair.Value is not null)
            {
                keys.Add(pair);
            }
        }

        keys.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, value) in keys)
        {
            var leaf = key[(key.LastIndexOf(':') + 1)..];
            configured[key] = IsSecret(leaf) ? MaskValue(JsonValue.Create(value)) : Mask(JsonValue.Create(value));
        }

        return new JsonObject { ["options"] = options, ["configured"] = configured };
    }

    /// <summary>Where configuration comes from, in order of precedence (last wins).</summary>
    public IEnumerable<string> Sources()
    {
        if (_configuration is not IConfigurationRoot root)
        {
            yield break;
        }

        foreach (var provider in root.Providers)
        {
            yield return provider.ToString() ?? provider.GetType().Name;
        }
    }

    public static string Hash(JsonNode document) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));

    private static (string, Func<JsonNode?>) View<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(
        IServiceProvider services, string section, JsonTypeInfo<T> info)
        where T : class
    {
        var monitor = services.GetRequiredService<IOptionsMonitor<T>>();
        return (section, () => JsonSerializer.SerializeToNode(monitor.CurrentValue, info));
    }

    /// <summary>Masks, in place, the string values of secret-named properties (containers are searched, not hidden) and the user info of URLs.</summary>
    internal static JsonNode? Mask(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToArray())
                {
                    if (IsSecret(name) && (child is null || (child is JsonValue && child.GetValueKind() == JsonValueKind.String)))
                    {
                        obj[name] = MaskValue(child);
                    }
                    else if (child is JsonValue value)
                    {
                        if (MaskUrl(value) is { } masked)
                        {
                            obj[name] = masked;
                        }
                    }
                    else
                    {
                        Mask(child);
                    }
                }

                return obj;

            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value)
                    {
                        if (MaskUrl(value) is { } masked)
                        {
                            array[i] = masked;
                        }
                    }
                    else
                    {
                        Mask(array[i]);
                    }
                }

                return array;

            case JsonValue value:
                return MaskUrl(value) ?? value;

            default:
                return node;
        }
    }

    /// <summary>A URL with user info carries a credential: keep where it points, not who it is. Null when nothing to mask.</summary>
    private static JsonValue? MaskUrl(JsonValue value) =>
        value.TryGetValue<string>(out var text) && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? JsonValue.Create(text.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal))
            : null;

    private static JsonValue? MaskValue(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) && s.Length == 0 => JsonValue.Create(""),
        _ => JsonValue.Create("***"),
    };

    private static bool IsSecret(string name)
    {
        foreach (var secret in SecretNames)
        {
            if (name.Contains(secret, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _reloads.Dispose();
}
