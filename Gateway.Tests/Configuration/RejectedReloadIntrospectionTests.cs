using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>
/// Issue 20 "Security defects": after a rejected reload of <c>GATEWAY_CONFIG_FILE</c>, <c>/_gateway/routes</c> and
/// <c>/_gateway/config</c> still answer, show the values in force (not the rejected ones, nor start-only settings
/// changed in the file since), and show the rejected reload: when and why.
/// </summary>
public sealed class RejectedReloadIntrospectionTests
{
    private static string Json(int chatPerMinute, int timeoutSeconds) => $$"""
        {
          "Gateway": {
            "RateLimits": { "PerMinute": 0, "ChatPerMinute": {{chatPerMinute}} },
            "Forwarding": { "TimeoutSeconds": {{timeoutSeconds}} }
          }
        }
        """;

    private static async Task<GatewayHost> StartRejectedAsync(ConfigFile file)
    {
        var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["GATEWAY_CONFIG_FILE"] = file.Path,
            ["Gateway:ConfigFilePollSeconds"] = "0.05",
            ["Logging:LogLevel:PyAirtable.Gateway.Configuration"] = "Information",
        });
        var logs = LogCapture.AttachTo(gateway.App.Services);
        file.Write(Json(chatPerMinute: -5, timeoutSeconds: 20));
        await logs.WaitForAsync(8001, line => line.Message.Contains("Gateway:RateLimits", StringComparison.Ordinal));
        return gateway;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetAsync(GatewayHost gateway, string path)
    {
        using var response = await gateway.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    [Fact]
    public async Task Config_AfterRejectedReload_ShowsValuesInForceAndTheRejection()
    {
        using var file = ConfigFile.Create(Json(chatPerMinute: 3, timeoutSeconds: 12));
        var started = DateTimeOffset.UtcNow;
        await using var gateway = await StartRejectedAsync(file);

        var (status, json) = await GetAsync(gateway, "/_gateway/config");

        Assert.Equal(HttpStatusCode.OK, status);
        var options = json.GetProperty("options");
        Assert.Equal(3, options.GetProperty("Gateway:RateLimits").GetProperty("ChatPerMinute").GetInt32());
        Assert.Equal(12, options.GetProperty("Gateway:Forwarding").GetProperty("TimeoutSeconds").GetDouble()); // read at start only
        var configured = json.GetProperty("configured");
        Assert.Equal("3", configured.GetProperty("Gateway:RateLimits:ChatPerMinute").GetString());
        Assert.Equal("12", configured.GetProperty("Gateway:Forwarding:TimeoutSeconds").GetString());

        // What the sources say now but is not in force, and why.
        var pending = json.GetProperty("notInForce");
        Assert.Equal("-5", pending.GetProperty("Gateway:RateLimits:ChatPerMinute").GetString());
        Assert.Equal("20", pending.GetProperty("Gateway:Forwarding:TimeoutSeconds").GetString());
        var rejected = json.GetProperty("reload").GetProperty("lastRejected");
        Assert.Equal("Gateway:RateLimits", rejected.GetProperty("source").GetString());
        Assert.Contains("CHAT_RATE_LIMIT_PER_MINUTE", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var at = DateTimeOffset.Parse(rejected.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, started.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Routes_AfterRejectedReload_200WithLimitsInForceAndTheRejection()
    {
        using var file = ConfigFile.Create(Json(chatPerMinute: 3, timeoutSeconds: 12));
        await using var gateway = await StartRejectedAsync(file);

        var (status, json) = await GetAsync(gateway, "/_gateway/routes");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(Strings(json), s => s.Contains("CHAT_RATE_LIMIT_PER_MINUTE", StringComparison.Ordinal));
        var chat = Objects(json).First(o => o.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "/api/chat")
            && Numbers(o, "perMinute").Any());
        var limits = Numbers(chat, "perMinute").ToList();
        Assert.Contains(3, limits);
        Assert.DoesNotContain(-5, limits);
    }

    private static IEnumerable<JsonElement> Objects(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            yield return element;
        }

        foreach (var child in Children(element))
        {
            foreach (var found in Objects(child))
            {
                yield return found;
            }
        }
    }

    private static IEnumerable<string> Strings(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? [element.GetString()!] : Children(element).SelectMany(Strings);

    private static IEnumerable<int> Numbers(JsonElement element, string name) =>
        Objects(element).SelectMany(o => o.EnumerateObject()).Where(p => p.Name == name && p.Value.ValueKind == JsonValueKind.Number).Select(p => p.Value.GetInt32());

    private static IEnumerable<JsonElement> Children(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
        JsonValueKind.Array => element.EnumerateArray(),
        _ => [],
    };
}
