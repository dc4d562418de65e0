using System.Net;
using System.Text.Json;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>
/// Issue 20 "Security defects": <c>/_gateway/config</c> masks every secret inside a value too (connection strings,
/// URLs with user info or secret query parameters), whatever the key is called, and for every setting it shows.
/// </summary>
public sealed class SecretMaskingTests
{
    [Theory]
    [InlineData("host:6379,password=s3cret,ssl=true", "host:6379,password=***,ssl=true")]
    [InlineData("host:6379,ssl=true,Password = s3cret", "host:6379,ssl=true,Password = ***")]
    [InlineData("Server=db;User Id=app;Pwd=s3cret;Database=x", "Server=db;User Id=app;Pwd=***;Database=x")]
    [InlineData("endpoint=h;SharedAccessKey=s3cret;apikey=s3cret", "endpoint=h;SharedAccessKey=***;apikey=***")]
    [InlineData("host,token=s3cret,client_secret=s3cret", "host,token=***,client_secret=***")]
    [InlineData("redis://user:s3cret@host:6379/0", "redis://user:***@host:6379/0")]
    [InlineData("rediss://:s3cret@host", "rediss://:***@host")]
    [InlineData("https://s3cret@host/path", "https://***@host/path")]
    [InlineData("http://a:s3cret@h1:80,http://h2:80", "http://a:***@h1:80,http://h2:80")]
    [InlineData("https://h/p?sig=s3cret&sv=1&access_token=s3cret#f", "https://h/p?sig=***&sv=1&access_token=***#f")]
    [InlineData("redis://host:6379,password=s3cret", "redis://host:6379,password=***")]
    public void MaskText_SecretInsideValue_Masked(string value, string expected) =>
        Assert.Equal(expected, SecretMasking.MaskText(value));

    [Theory]
    [InlineData("host:6379,ssl=true,abortConnect=false")]
    [InlineData("http://airtable-gateway:8002,http://backup:8002")]
    [InlineData("https://h/p?page=2&size=10")]
    [InlineData("plain value")]
    [InlineData("")]
    [InlineData("keepAlive=5,connectTimeout=1000")]
    public void MaskText_NothingSecret_SameValue(string value) =>
        Assert.Same(value, SecretMasking.MaskText(value));

    [Fact]
    public async Task Config_ConnectionStringsWithSecrets_MaskedEverywhere_AndStartsWithRedisUnreachable()
    {
        var redisPort = new Uri(Ports.RefusingUrl()).Port;
        await using var gateway = await GatewayHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["REDIS_URL"] = $"127.0.0.1:{redisPort},password=s3cret-redis,ssl=false,abortConnect=false",
            ["Gateway:Custom:Webhook"] = "https://hook:s3cret-url@example.test/x?token=s3cret-query",
            ["Gateway:Custom:Store"] = "Server=db;Pwd=s3cret-custom;Database=x",
        });

        using var response = await gateway.GetAsync("/_gateway/config");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var options = json.RootElement.GetProperty("options");
        var configured = json.RootElement.GetProperty("configured");
        var redis = $"127.0.0.1:{redisPort},password=***,ssl=false,abortConnect=false";
        Assert.Equal(redis, options.GetProperty("Gateway:RateLimits").GetProperty("Redis").GetString());
        Assert.Equal(redis, configured.GetProperty("Gateway:RateLimits:Redis").GetString());
        Assert.Equal("https://hook:***@example.test/x?token=***", configured.GetProperty("Gateway:Custom:Webhook").GetString());
        Assert.Equal("Server=db;Pwd=***;Database=x", configured.GetProperty("Gateway:Custom:Store").GetString());
    }

    [Fact]
    public async Task StartupError_UrlWithUserInfo_PasswordNotEchoed()
    {
        var error = await StartupErrors.CaptureAsync(new Dictionary<string, string?> { ["MCP_SERVER_URL"] = "http://svc:s3cret-url@127.0.0.1:8001" });

        Assert.Contains("MCP_SERVER_URL", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error, StringComparison.Ordinal);
    }
}
