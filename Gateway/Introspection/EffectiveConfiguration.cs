using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;

namespace PyAirtable.Gateway.Introspection;

/// <summary>
/// The gateway's effective configuration for <c>/_gateway/config</c>: every options class the gateway registered
/// (found in the service collection, so a feature added later shows up without changes here), as bound now, with
/// secrets masked, plus a hash of that document and the time configuration was last (re)loaded.
/// </summary>
internal sealed class EffectiveConfiguration : IDisposable
{
    /// <summary>Property names (case-insensitive substrings) whose values are never shown.</summary>
    private static readonly string[] SecretNames = ["key", "secret", "password", "token", "credential", "connectionstring", "redisurl"];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly IServiceProvider _services;
    private readonly IConfiguration _configuration;
    private readonly Type[] _optionTypes;
    private readonly TimeProvider _time;
    private readonly IDisposable _reloads;
    private DateTimeOffset _lastReload;

    public EffectiveConfiguration(IServiceProvider services, IConfiguration configuration, OptionsCatalog catalog, TimeProvider time)
    {
        _services = services;
        _configuration = configuration;
        _optionTypes = catalog.Types;
        _time = time;
        _lastReload = time.GetUtcNow();
        _reloads = ChangeToken.OnChange(configuration.GetReloadToken, () => _lastReload = _time.GetUtcNow());
    }

    public DateTimeOffset LastReload => _lastReload;

    /// <summary>The masked document: <c>{"Gateway:Services": {...}, ...}</c> by configuration section.</summary>
    public JsonObject Snapshot()
    {
        var document = new JsonObject();
        foreach (var type in _optionTypes)
        {
            var monitor = _services.GetService(typeof(IOptionsMonitor<>).MakeGenericType(type));
            var value = monitor?.GetType().GetProperty(nameof(IOptionsMonitor<object>.CurrentValue))?.GetValue(monitor);
            if (value is null)
            {
                continue;
            }

            var section = type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string ?? type.Name;
            document[section] = Mask(JsonSerializer.SerializeToNode(value, type, Json));
        }

        return document;
    }

    /// <summary>Where configuration comes from, in order of precedence (last wins).</summary>
    public IEnumerable<string> Sources() =>
        _configuration is IConfigurationRoot root ? root.Providers.Select(static p => p.ToString() ?? p.GetType().Name) : [];

    public static string Hash(JsonNode document) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString(Json))));

    /// <summary>Masks, in place, the values of secret-named properties and the user info of URLs.</summary>
    internal static JsonNode? Mask(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToArray())
                {
                    if (IsSecret(name))
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

/// <summary>The gateway's own options classes, collected from the service collection once it is complete.</summary>
internal sealed class OptionsCatalog
{
    private readonly IServiceCollection _services;
    private Type[]? _types;

    public OptionsCatalog(IServiceCollection services) => _services = services;

    public Type[] Types => _types ??= Collect(_services);

    private static Type[] Collect(IServiceCollection services)
    {
        var assembly = typeof(OptionsCatalog).Assembly;
        var types = new List<Type>();
        foreach (var descriptor in services)
        {
            var service = descriptor.ServiceType;
            if (service.IsGenericType
                && (service.GetGenericTypeDefinition() == typeof(IConfigureOptions<>) || service.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
                && service.GetGenericArguments()[0] is { } type
                && type.Assembly == assembly
                && !types.Contains(type))
            {
                types.Add(type);
            }
        }

        types.Sort(static (a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        return [.. types];
    }
}
