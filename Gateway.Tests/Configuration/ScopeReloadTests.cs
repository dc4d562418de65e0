using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>Per-route scopes follow the configuration file of a running gateway.</summary>
public sealed class ScopeReloadTests
{
    private const string ReaderKey = "reader-key-0123456789";

    private static string Json(bool writesNeedScope) => $$"""
        {
          "Gateway": {
            "Auth": {
              "Keys": [ { "Name": "reader", "Key": "{{ReaderKey}}", "Scopes": [ "airtable:read" ] } ],
              "RouteScopes": [ {{(writesNeedScope ? """{ "Route": "/api/airtable/{**path}", "Methods": [ "POST" ], "Scope": "airtable:write" }""" : "")}} ]
            }
          }
        }
        """;

    private static async Task<HttpStatusCode> PostAsReaderAsync(GatewayHost gateway)
    {
        using var request = GatewayHost.Request(HttpMethod.Post, "/api/airtable/bases/app1/tables", withKey: false, json: """{"name":"t"}""");
        request.Headers.Add("X-API-Key", ReaderKey);
        using var response = await gateway.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task RouteScopeAdded_InTheFile_AppliesWithoutRestart_AndRemovedAgain()
    {
        await using var airtable = await FakeUpstream.StartAsync();
        using var file = ConfigFile.Create(Json(writesNeedScope: false));
        await using var gateway = await GatewayHost.StartAsync(airtable, overrides: new Dictionary<string, string?>
        {
            ["GATEWAY_CONFIG_FILE"] = file.Path,
            ["Gateway:ConfigFilePollSeconds"] = "0.05",
        });
        var auth = gateway.App.Services.GetRequiredService<ReloadableOptions<AuthOptions>>();

        Assert.Equal(HttpStatusCode.OK, await PostAsReaderAsync(gateway));

        var restricted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        auth.Changed += options =>
        {
            if (options.RouteScopes.Length == 1)
            {
                restricted.TrySetResult();
            }
        };
        file.Write(Json(writesNeedScope: true));
        await restricted.Task.WithTimeout();
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsReaderAsync(gateway));

        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        auth.Changed += options =>
        {
            if (options.RouteScopes.Length == 0)
            {
                open.TrySetResult();
            }
        };
        file.Write(Json(writesNeedScope: false));
        await open.Task.WithTimeout();
        Assert.Equal(HttpStatusCode.OK, await PostAsReaderAsync(gateway));
        Assert.Equal(2, airtable.Requests.Count);
    }
}
