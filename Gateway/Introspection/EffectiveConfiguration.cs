using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Cors;
using PyAirtable.Gateway.Forwarding;
using PyAirtable.Gateway.Health;
using PyAirtable.Gateway.Observability;
using PyAirtable.Gateway.RateLimiting;
using PyAirtable.Gateway.Resilience;
using PyAirtable.Gateway.Routing;

namespace PyAirtable.Gateway.Introspection;

/// <summary>
/// The gateway's configuration in force for <c>/_gateway/config</c>: every feature's options as the gateway uses them
/// (reloadable sections as of their last good reload, the others as bound at start), every key set under
/// <c>Gateway:</c> by any source as it was when taken, what the sources say now that is not in force (a rejected
/// reload, or a start-only setting changed since), and the reload status of every reloadable section and polled file.
/// Secrets are masked everywhere, inside values too (<see cref="SecretMasking"/>).
/// </summary>
internal sealed class EffectiveConfiguration
{
    private const string Root = "Gateway";

    private readonly IConfiguration _configuration;
    private readonly (string Section, Func<JsonNode?> Read)[] _options;
    private readonly IReloadableOptions[] _reloadables;
    private readonly ConfigFiles? _files;
    private readonly Dictionary<string, string?> _atStart;

    public EffectiveConfiguration(IServiceProvider services, IConfiguration configuration)
    {
        _configuration = configuration;
        _reloadables = [.. services.GetServices<IReloadableOptions>()];
        _files = services.GetService<ConfigFiles>();
        _atStart = Keys(configuration);
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

    /// <summary>
    /// When the options in force were last taken: the latest good reload of a reloadable section, else the start. (A file
    /// read whose changes were all rejected, or touched only start-only settings, changes nothing in force.)
    /// </summary>
    public DateTimeOffset LastReload
    {
        get
        {
            var last = DateTimeOffset.MinValue;
            foreach (var reloadable in _reloadables)
            {
                last = reloadable.Status.LoadedAt > last ? reloadable.Status.LoadedAt : last;
            }

            return last;
        }
    }

    /// <summary>The masked document in force: <c>options</c> by section, and <c>configured</c>: every key set under <c>Gateway:</c>.</summary>
    public JsonObject Snapshot()
    {
        var options = new JsonObject();
        foreach (var (section, read) in _options)
        {
            options[section] = Mask(read());
        }

        var configured = new JsonObject();
        var inForce = InForce();
        var keys = new List<string>(inForce.Keys);
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            configured[key] = MaskSetting(key, inForce[key]);
        }

        return new JsonObject { ["options"] = options, ["configured"] = configured };
    }

    /// <summary>Keys under <c>Gateway:</c> whose value in the sources now differs from the one in force (null: removed since), masked.</summary>
    public JsonObject NotInForce()
    {
        var inForce = InForce();
        var now = Keys(_configuration);
        var differing = new List<string>();
        foreach (var (key, value) in now)
        {
            if (!inForce.TryGetValue(key, out var used) || !string.Equals(used, value, StringComparison.Ordinal))
            {
                differing.Add(key);
            }
        }

        foreach (var key in inForce.Keys)
        {
            if (!now.ContainsKey(key))
            {
                differing.Add(key);
            }
        }

        differing.Sort(StringComparer.Ordinal);
        var result = new JsonObject();
        foreach (var key in differing)
        {
            result[key] = now.TryGetValue(key, out var value) ? MaskSetting(key, value) : null;
        }

        return result;
    }

    /// <summary>
    /// Writes <c>reload</c>: the latest rejected reload (<c>lastRejected</c>: source, time, reason; null when none is
    /// pending), then every reloadable section and polled file with its hash, load time, good reloads and rejection.
    /// </summary>
    public void WriteReload(Utf8JsonWriter json)
    {
        var statuses = Statuses();
        json.WriteStartObject("reload");
        json.WriteString("lastReload", IntrospectionEndpoints.Timestamp(LastReload));
        SourceStatus? latest = null;
        foreach (var status in statuses)
        {
            if (status.RejectedAt is { } at && (latest?.RejectedAt is not { } previous || at > previous))
            {
                latest = status;
            }
        }

        if (latest is { Rejected: { } reason, RejectedAt: { } when } last)
        {
            json.WriteStartObject("lastRejected");
            json.WriteString("source", last.Source);
            WriteRejection(json, when, reason);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("lastRejected");
        }

        foreach (var files in (ReadOnlySpan<bool>)[false, true])
        {
            json.WriteStartArray(files ? "files" : "sections");
            foreach (var status in statuses)
            {
                if (status.IsFile != files)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString(files ? "path" : "section", status.Source);
                json.WriteString("hash", status.Hash);
                WriteTime(json, "loadedAt", status.LoadedAt);
                json.WriteNumber("reloads", status.Reloads);
                if (status is { Rejected: { } rejected, RejectedAt: { } at })
                {
                    json.WriteStartObject("rejected");
                    WriteRejection(json, at, rejected);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("rejected");
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
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

    /// <summary>A section's options in force: a reloadable section's current value, otherwise the value bound at start.</summary>
    private static (string, Func<JsonNode?>) View<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(
        IServiceProvider services, string section, JsonTypeInfo<T> info)
        where T : class
    {
        if (services.GetService<ReloadableOptions<T>>() is { } reloadable)
        {
            return (section, () => JsonSerializer.SerializeToNode(reloadable.Current, info));
        }

        var atStart = services.GetRequiredService<IOptions<T>>();
        return (section, () => JsonSerializer.SerializeToNode(atStart.Value, info));
    }

    /// <summary>The keys in force: as they were at start, each reloadable section's as of its last good reload.</summary>
    private Dictionary<string, string?> InForce()
    {
        var inForce = new Dictionary<string, string?>(_atStart, StringComparer.OrdinalIgnoreCase);
        foreach (var reloadable in _reloadables)
        {
            var prefix = reloadable.Section + ":";
            foreach (var key in _atStart.Keys)
            {
                if (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    inForce.Remove(key);
                }
            }

            foreach (var (key, value) in reloadable.Settings)
            {
                inForce[key] = value;
            }
        }

        return inForce;
    }

    /// <summary>Every key with a value under <c>Gateway:</c>.</summary>
    private static Dictionary<string, string?> Keys(IConfiguration configuration)
    {
        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.GetSection(Root).AsEnumerable())
        {
            if (value is not null)
            {
                keys[key] = value;
            }
        }

        return keys;
    }

    /// <summary>The reload status of every reloadable section, then of every polled configuration file.</summary>
    private List<SourceStatus> Statuses()
    {
        var statuses = new List<SourceStatus>();
        foreach (var reloadable in _reloadables)
        {
            var status = reloadable.Status;
            statuses.Add(new SourceStatus(false, reloadable.Section, status.Hash, status.LoadedAt, status.Reloads, status.Rejected, status.RejectedAt));
        }

        foreach (var source in _files?.Sources ?? [])
        {
            if (source.Provider is { } provider)
            {
                var status = provider.Status;
                statuses.Add(new SourceStatus(true, provider.Path, status.Hash, status.LoadedAt, status.Reloads, status.Rejected, status.RejectedAt));
            }
        }

        return statuses;
    }

    private static JsonNode? MaskSetting(string key, string? value)
    {
        var leaf = key[(key.LastIndexOf(':') + 1)..];
        return SecretMasking.IsSecretName(leaf) ? MaskValue(JsonValue.Create(value)) : Mask(JsonValue.Create(value));
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, IntrospectionEndpoints.Timestamp(value));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteRejection(Utf8JsonWriter json, DateTimeOffset at, string reason)
    {
        json.WriteString("at", IntrospectionEndpoints.Timestamp(at));
        json.WriteString("reason", reason);
    }

    /// <summary>What a reloadable section or a polled file (<paramref name="IsFile"/>) has in force, and its last rejected change.</summary>
    private readonly record struct SourceStatus(
        bool IsFile, string Source, string? Hash, DateTimeOffset? LoadedAt, int Reloads, string? Rejected, DateTimeOffset? RejectedAt);

    /// <summary>Masks, in place, the string values of secret-named properties (containers are searched, not hidden) and the secrets inside other strings.</summary>
    internal static JsonNode? Mask(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToArray())
                {
                    if (SecretMasking.IsSecretName(name) && (child is null || (child is JsonValue && child.GetValueKind() == JsonValueKind.String)))
                    {
                        obj[name] = MaskValue(child);
                    }
                    else if (child is JsonValue value)
                    {
                        if (MaskText(value) is { } masked)
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
                        if (MaskText(value) is { } masked)
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
                return MaskText(value) ?? value;

            default:
                return node;
        }
    }

    /// <summary>A string holding secrets inside (a connection string, a URL with user info): those masked. Null when nothing to mask.</summary>
    private static JsonValue? MaskText(JsonValue value) =>
        value.TryGetValue<string>(out var text) && SecretMasking.MaskText(text) is var masked && !ReferenceEquals(masked, text)
            ? JsonValue.Create(masked)
            : null;

    private static JsonValue? MaskValue(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) && s.Length == 0 => JsonValue.Create(""),
        _ => JsonValue.Create("***"),
    };

}
