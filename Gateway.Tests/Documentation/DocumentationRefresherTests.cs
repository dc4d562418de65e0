using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using PyAirtable.Gateway.Auth;
using PyAirtable.Gateway.Documentation;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Documentation;

public sealed class DocumentationRefresherTests
{
    [Fact]
    public async Task Refresher_RoutesChange_RebuildsWithTheNewRoutes()
    {
        await using var llm = await FakeUpstream.StartAsync(ServiceDocuments.Serving(ServiceDocuments.Orchestrator31));
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        var routes = Substitute.For<IDocumentedRoutes>();
        DocumentedRoute tools = new("tools", "/api/tools", ["GET"], "LlmOrchestrator", "/tools", RouteAuth.Client, [], true);
        routes.Routes.Returns([tools]);
        routes.Service("LlmOrchestrator").Returns(new DocumentedService("LlmOrchestrator", [llm.Url], invoker));
        var options = Options.Create(new DocumentationOptions());
        using var documentation = new ApiDocumentation(routes, options, new BearerTokenAuthenticator(Options.Create(new AuthOptions())), NullLogger<ApiDocumentation>.Instance);
        using var refresher = new DocumentationRefresher(documentation, routes, options, NullLogger<DocumentationRefresher>.Instance);
        var first = documentation.NextBuildAsync();

        await refresher.StartAsync(CancellationToken.None);
        try
        {
            Assert.Contains("/api/tools", Paths(await first.WithTimeout()));

            var second = documentation.NextBuildAsync();
            routes.Routes.Returns([tools with { Path = "/api/toolbox" }]);
            routes.Changed += Raise.Event<Action>();
            var rebuilt = await second.WithTimeout();

            Assert.Contains("/api/toolbox", Paths(rebuilt));
            Assert.DoesNotContain("/api/tools", Paths(rebuilt));
            Assert.Equal(2, rebuilt.Generation);
        }
        finally
        {
            await refresher.StopAsync(CancellationToken.None);
        }
    }

    private static HashSet<string> Paths(PublishedDocuments documents) =>
        JsonDocument.Parse(documents.V1.Body).RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
}
