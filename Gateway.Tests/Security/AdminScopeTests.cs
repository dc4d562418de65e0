using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Security;

/// <summary>Issue 4 / contract "Scopes": <c>/_gateway/*</c> and endpoints marked with RequiresScope need <c>admin</c>.</summary>
public sealed class AdminScopeTests : IAsyncLifetime
{
    private const string OperatorKey = "operator-key-012345";
    private const string ViewerKey = "viewer-key-0123456";

    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var settings = GatewayHost.DefaultSettings(null, null, null);
        settings["Gateway:Auth:Keys:0:Name"] = "operator";
        settings["Gateway:Auth:Keys:0:Key"] = OperatorKey;
        settings["Gateway:Auth:Keys:0:Scopes:0"] = "admin";
        settings["Gateway:Auth:Keys:1:Name"] = "viewer";
        settings["Gateway:Auth:Keys:1:Key"] = ViewerKey;
        settings["Gateway:Auth:Keys:1:Scopes:0"] = "airtable:read";
        _app = Program.CreateApp(GatewayHost.Arguments(settings));

        // One endpoint protected by path convention; the real /dashboard/feed carries the explicit metadata.
        _app.MapGet("/_gateway/status", static () => "ok");
        _app.MapGet("/dashboard/reports", static () => "reports").RequireGatewayScope("reports:read");
        _app.MapGet("/open", static () => "open");
        await _app.StartAsync().WithTimeout();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? key)
    {
        using var client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        return await client.SendAsync(request).WithTimeout();
    }

    [Theory]
    [InlineData("/_gateway/status")]
    [InlineData("/dashboard/feed")]
    public async Task AdminEndpoint_NoCredentials_Returns401(string path)
    {
        using var response = await GetAsync(path, null);

        await Problem.AssertAsync(response, 401);
    }

    [Theory]
    [InlineData("/_gateway/status")]
    [InlineData("/dashboard/feed")]
    public async Task AdminEndpoint_WithoutAdminScope_Returns403(string path)
    {
        using var response = await GetAsync(path, ViewerKey);

        var problem = await Problem.AssertAsync(response, 403);
        Assert.Contains("admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/_gateway/status", OperatorKey)]
    [InlineData("/dashboard/feed", OperatorKey)]
    [InlineData("/_gateway/status", GatewayHost.ApiKey)]
    public async Task AdminEndpoint_WithAdminScope_Answers(string path, string key)
    {
        using var response = await GetAsync(path, key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OtherScopeOnEndpoint_Honoured()
    {
        using var viewer = await GetAsync("/dashboard/reports", ViewerKey);
        using var all = await GetAsync("/dashboard/reports", GatewayHost.ApiKey);

        await Problem.AssertAsync(viewer, 403);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
    }

    [Theory]
    [InlineData("/open")]
    [InlineData("/livez")]
    [InlineData("/")]
    public async Task UnmarkedEndpoints_StayOpen(string path)
    {
        using var response = await GetAsync(path, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AdminEndpoint_KeyInQueryString_Refused()
    {
        using var response = await GetAsync("/_gateway/status?api_key=" + OperatorKey, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
