using System.Text.Json;

namespace PyAirtable.Gateway.Tests.Infrastructure;

/// <summary>Checks for the gateway's own RFC 9457 error bodies.</summary>
internal static class Problem
{
    /// <summary>Asserts an <c>application/problem+json</c> body with the given status and returns it.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("title").GetString()));
        Assert.Equal(JsonValueKind.String, json.GetProperty("detail").ValueKind);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-ID"));
        Assert.Equal(requestId, json.GetProperty("requestId").GetString());
        AssertNoExceptionText(body);
        return json;
    }

    /// <summary>An error body must never carry exception types, messages or stack traces.</summary>
    public static void AssertNoExceptionText(string body)
    {
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("(127.0.0.1:", body, StringComparison.Ordinal);
    }
}
