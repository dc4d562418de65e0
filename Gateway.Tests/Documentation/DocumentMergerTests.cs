using System.Text;
using System.Text.Json;
using Microsoft.OpenApi;
using PyAirtable.Gateway.Documentation;

namespace PyAirtable.Gateway.Tests.Documentation;

/// <summary>The merge itself, from parsed documents to bytes: paths, references, components, security, versions, determinism.</summary>
public sealed class DocumentMergerTests
{
    private const string Airtable = "AirtableGateway";
    private const string Llm = "LlmOrchestrator";

    /// <summary>Today's route table, as <see cref="RouteTableDocumentedRoutes"/> describes it.</summary>
    internal static DocumentedRoute[] TodayRoutes(RouteAuth airtableAuth = RouteAuth.Client, params string[] airtableScopes) =>
    [
        new("chat", "/api/chat", ["POST"], Llm, "/chat", RouteAuth.Client, [], true),
        new("tools", "/api/tools", ["GET", "HEAD"], Llm, "/tools", RouteAuth.Client, [], true),
        new("execute-tool", "/api/execute-tool", ["POST"], Llm, "/execute-tool", RouteAuth.Client, [], true),
        new("session-history", "/api/sessions/{id}/history", ["GET", "HEAD"], Llm, "/sessions/{id}/history", RouteAuth.Client, [], true),
        new("delete-session", "/api/sessions/{id}", ["DELETE"], Llm, "/sessions/{id}", RouteAuth.Client, [], true),
        new("airtable", "/api/airtable/{**path}", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"], Airtable, "/{**path}", airtableAuth, airtableScopes, true),
    ];

    private static ServiceSection Section(string name, string document)
    {
        var (parsed, problem) = ServiceDocumentFetcher.Read(document);
        Assert.Null(problem);
        return new ServiceSection(name, parsed, null);
    }

    private static ServiceSection[] BothServices() => [Section(Airtable, ServiceDocuments.Airtable30), Section(Llm, ServiceDocuments.Orchestrator31)];

    private static JsonElement Build(string version = "v1", IReadOnlyList<DocumentedRoute>? routes = null, IReadOnlyList<ServiceSection>? sections = null, bool bearer = false) =>
        JsonDocument.Parse(DocumentMerger.Serialize(DocumentMerger.Build(version, routes ?? TodayRoutes(), sections ?? BothServices(), bearer))).RootElement;

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    private static HashSet<string> Names(JsonElement obj) => obj.EnumerateObject().Select(p => p.Name).ToHashSet();

    [Fact]
    public void Build_V1_OnlyRoutedOperationsAtGatewayPaths()
    {
        var paths = Build().GetProperty("paths");

        Assert.Equal(
            new HashSet<string>
            {
                "/", "/api/health", "/api/websocket/stats", "/ws",
                "/api/chat", "/api/tools", "/api/execute-tool", "/api/sessions/{id}/history", "/api/sessions/{id}",
                "/api/airtable/bases/{base_id}/tables/{table_id}/records", "/api/airtable/bases/{base_id}/webhooks",
            },
            Names(paths));
        Assert.Equal(["get", "post"], Names(paths.GetProperty("/api/airtable/bases/{base_id}/tables/{table_id}/records")).Order());
        Assert.Equal(["get"], Names(paths.GetProperty("/api/airtable/bases/{base_id}/webhooks"))); // OPTIONS is not routed
        Assert.Equal(["post"], Names(paths.GetProperty("/api/chat")));
    }

    [Fact]
    public void Build_PathParameters_RenamedAsTheRouteNamesThemAndPathItemParametersKept()
    {
        var paths = Build().GetProperty("paths");

        var history = paths.GetProperty("/api/sessions/{id}/history").GetProperty("get").GetProperty("parameters");
        Assert.Equal(["id:path", "limit:query"], history.EnumerateArray().Select(p => p.GetProperty("name").GetString() + ":" + p.GetProperty("in").GetString()));
        var records = paths.GetProperty("/api/airtable/bases/{base_id}/tables/{table_id}/records").GetProperty("get").GetProperty("parameters");
        Assert.Equal(["base_id", "table_id", "view"], records.EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public void Build_CollidingSchemaNames_PrefixedByServiceWithEveryReferenceRewritten()
    {
        var document = Build();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        Assert.DoesNotContain("Record", Names(schemas));
        Assert.Equal("#/components/schemas/AirtableGateway_Record",
            schemas.GetProperty("Page").GetProperty("properties").GetProperty("records").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/LlmOrchestrator_Record",
            schemas.GetProperty("ToolCall").GetProperty("properties").GetProperty("records").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/AirtableGateway_Record",
            document.GetProperty("paths").GetProperty("/api/airtable/bases/{base_id}/tables/{table_id}/records").GetProperty("post")
                .GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(schemas.GetProperty("LlmOrchestrator_Record").TryGetProperty("description", out _));

        // The $ref chain Page → Record → Attachment → Thumbnail, allOf and oneOf members, the discriminator's mapping.
        foreach (var name in new[] { "Attachment", "Thumbnail", "NewRecord", "RecordFields", "TableWebhook", "BaseWebhook", "ToolSuccess", "ToolFailure" })
        {
            Assert.True(schemas.TryGetProperty(name, out _), name);
        }

        Assert.Equal("#/components/schemas/ToolFailure", schemas.GetProperty("ToolResult").GetProperty("discriminator").GetProperty("mapping").GetProperty("error").GetString());
        AssertEveryReferenceResolves(document);
    }

    [Fact]
    public void Build_IdenticalSchemasOfTwoServices_KeptOnce()
    {
        // Both 3.1 documents carry FastAPI's HTTPValidationError and ValidationError, unchanged.
        var airtable31 = Encoding.UTF8.GetString(PyAirtable.Gateway.Benchmarks.EmulatedServices.OpenApiEndpoint.Document("airtable-gateway.json"));
        var schemas = Build(sections: [Section(Airtable, airtable31), Section(Llm, ServiceDocuments.Orchestrator31)]).GetProperty("components").GetProperty("schemas");

        Assert.Contains("HTTPValidationError", Names(schemas));
        Assert.Contains("ValidationError", Names(schemas));
        Assert.DoesNotContain(Names(schemas), n => n.EndsWith("_HTTPValidationError", StringComparison.Ordinal) || n.EndsWith("_ValidationError", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_UnreachedComponentsTagsAndTheServicesSecurity_Dropped()
    {
        var document = Build();
        var schemas = Names(document.GetProperty("components").GetProperty("schemas"));

        Assert.DoesNotContain("Unused", schemas);
        Assert.DoesNotContain("AlsoUnused", schemas);
        Assert.DoesNotContain("StreamChunk", schemas); // only /chat/stream used it, and no route reaches that
        Assert.DoesNotContain("internal", document.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.DoesNotContain("admin", document.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["ApiKey"], Names(document.GetProperty("components").GetProperty("securitySchemes")));
        Assert.False(document.TryGetProperty("servers", out _));
        Assert.False(document.TryGetProperty("security", out _));
        Assert.DoesNotContain("InternalKey", Encoding.UTF8.GetString(DocumentMerger.Serialize(DocumentMerger.Build("v1", TodayRoutes(), BothServices(), false))), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Security_TakenFromEachRoutesAuth()
    {
        var routes = TodayRoutes(RouteAuth.Scopes, "airtable:write", "airtable:read");
        routes[1] = routes[1] with { Auth = RouteAuth.None };

        var document = Build(routes: routes, bearer: true);
        var paths = document.GetProperty("paths");

        Assert.Equal(["ApiKey", "Bearer"], Names(document.GetProperty("components").GetProperty("securitySchemes")).Order());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal(0, paths.GetProperty("/api/tools").GetProperty("get").GetProperty("security").GetArrayLength());
        Assert.False(paths.GetProperty("/api/tools").GetProperty("get").GetProperty("responses").TryGetProperty("401", out _));
        var chat = paths.GetProperty("/api/chat").GetProperty("post").GetProperty("security");
        Assert.Equal("""[{"ApiKey":[]},{"Bearer":[]}]""", Compact(chat));
        var records = paths.GetProperty("/api/airtable/bases/{base_id}/webhooks").GetProperty("get");
        Assert.Equal("""[{"ApiKey":["airtable:read","airtable:write"]},{"Bearer":["airtable:read","airtable:write"]}]""", Compact(records.GetProperty("security")));
        Assert.True(records.GetProperty("responses").TryGetProperty("403", out _));
        Assert.Equal(0, paths.GetProperty("/api/health").GetProperty("get").GetProperty("security").GetArrayLength());
        Assert.Equal("""[{"ApiKey":[]},{"Bearer":[]}]""", Compact(paths.GetProperty("/api/websocket/stats").GetProperty("get").GetProperty("security")));
    }

    [Fact]
    public void Build_SameInputs_ByteIdenticalWhateverTheOrderOfServices()
    {
        var first = DocumentMerger.Serialize(DocumentMerger.Build("v1", TodayRoutes(), BothServices(), true));
        var second = DocumentMerger.Serialize(DocumentMerger.Build("v1", TodayRoutes(), [.. BothServices().Reverse()], true));

        Assert.Equal(first, second);
        var paths = Names(JsonDocument.Parse(first).RootElement.GetProperty("paths")).ToList();
        Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
        var schemas = Names(JsonDocument.Parse(first).RootElement.GetProperty("components").GetProperty("schemas")).ToList();
        Assert.Equal(schemas.Order(StringComparer.Ordinal), schemas);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public void Build_Output_ValidOpenApi31ThatReadsBackWithoutErrors(string version)
    {
        var bytes = DocumentMerger.Serialize(DocumentMerger.Build(version, TodayRoutes(), BothServices(), true));

        var result = OpenApiDocument.Parse(Encoding.UTF8.GetString(bytes), "json");

        Assert.Empty(result.Diagnostic!.Errors);
        Assert.StartsWith("3.1", result.Diagnostic.SpecificationVersion == OpenApiSpecVersion.OpenApi3_1 ? "3.1" : result.Diagnostic.SpecificationVersion.ToString(), StringComparison.Ordinal);
        Assert.Empty(result.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.StartsWith("3.1.", JsonDocument.Parse(bytes).RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        AssertEveryReferenceResolves(JsonDocument.Parse(bytes).RootElement);
    }

    [Fact]
    public void Build_V2_VersionedPathsAndTheV2ChatBody()
    {
        var document = Build("v2");
        var paths = Names(document.GetProperty("paths"));

        Assert.All(paths, p => Assert.True(p is "/" or "/ws" || p.StartsWith("/api/v2/", StringComparison.Ordinal), p));
        Assert.Contains("/api/v2/airtable/bases/{base_id}/tables/{table_id}/records", paths);
        Assert.Contains("/api/v2/sessions/{id}/history", paths);
        var body = document.GetProperty("paths").GetProperty("/api/v2/chat").GetProperty("post").GetProperty("requestBody");
        Assert.Equal("#/components/schemas/ChatRequestV2", body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var chat = schemas.GetProperty("ChatRequestV2");
        Assert.Equal(["base_id", "messages", "session_id", "stream"], Names(chat.GetProperty("properties")).Order());
        Assert.Equal("#/components/schemas/ChatMessageV2", chat.GetProperty("properties").GetProperty("messages").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal(["content", "role"], schemas.GetProperty("ChatMessageV2").GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.DoesNotContain("ChatRequest", Names(schemas)); // the orchestrator's v1 body is no longer reached
    }

    [Fact]
    public void Build_ServiceWithoutDocument_LeftOutWithANote()
    {
        var document = Build(sections: [new ServiceSection(Airtable, null, "connection failed"), Section(Llm, ServiceDocuments.Orchestrator31)]);

        Assert.DoesNotContain(Names(document.GetProperty("paths")), p => p.StartsWith("/api/airtable", StringComparison.Ordinal));
        Assert.Contains("/api/chat", Names(document.GetProperty("paths")));
        Assert.Contains("AirtableGateway**: its document is not available (connection failed)", document.GetProperty("info").GetProperty("description").GetString(), StringComparison.Ordinal);
        var services = document.GetProperty("x-gateway-services");
        Assert.Equal("missing", services.GetProperty(Airtable).GetProperty("status").GetString());
        Assert.Equal("current", services.GetProperty(Llm).GetProperty("status").GetString());
    }

    [Fact]
    public void Build_NoServiceDocuments_StillDocumentsTheGatewayAndTheV2Chat()
    {
        var document = Build("v2", sections: []);

        Assert.Equal(new HashSet<string> { "/", "/api/v2/health", "/api/v2/websocket/stats", "/ws", "/api/v2/chat" }, Names(document.GetProperty("paths")));
    }

    [Theory]
    [InlineData("{\"openapi\": \"3.1.0\", \"info\": ")]
    [InlineData("<html>Bad gateway</html>")]
    [InlineData("{\"hello\": \"world\"}")]
    [InlineData("")]
    public void Read_NotAnOpenApiDocument_GivesAProblem(string text)
    {
        var (document, problem) = ServiceDocumentFetcher.Read(text);

        Assert.Null(document);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Read_Yaml30_Reads()
    {
        var (document, problem) = ServiceDocumentFetcher.Read(ServiceDocuments.AirtableYaml);

        Assert.Null(problem);
        Assert.Contains("/bases/{base_id}/schema", document!.Paths.Keys);
    }

    /// <summary>Every <c>$ref</c> in the document names a component that exists.</summary>
    internal static void AssertEveryReferenceResolves(JsonElement document)
    {
        var components = document.GetProperty("components");
        Visit(document);

        void Visit(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref")
                    {
                        var parts = property.Value.GetString()!.Split('/');
                        Assert.Equal(4, parts.Length);
                        Assert.True(components.GetProperty(parts[2]).TryGetProperty(parts[3], out _), property.Value.GetString());
                    }
                    else
                    {
                        Visit(property.Value);
                    }
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Visit(item);
                }
            }
        }
    }
}
