using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PyAirtable.Gateway.GraphQL;
using PyAirtable.Gateway.Tests.Deployment;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>The generated schema: its SDL as a reviewed snapshot, names, and regeneration when a service's document changes.</summary>
public sealed class GraphQLSchemaTests
{
    private static readonly string SnapshotPath = DeploymentFiles.PathOf("Gateway.Tests", "GraphQL", "schema.graphql");

    /// <summary>
    /// The schema generated from the two services' documents, as SDL, equals the committed snapshot. A change in
    /// generation shows up in review; <c>UPDATE_GRAPHQL_SNAPSHOT=1</c> rewrites the file.
    /// </summary>
    [Fact]
    public async Task Sdl_MatchesTheCommittedSnapshot()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        var schema = fixture.Gateway.App.Services.GetRequiredService<GraphQLSchemaProvider>().Current;

        var sdl = global::GraphQL.SchemaExtensions.Print(schema.Schema).ReplaceLineEndings("\n").TrimEnd() + "\n";

        if (Environment.GetEnvironmentVariable("UPDATE_GRAPHQL_SNAPSHOT") == "1")
        {
            await File.WriteAllTextAsync(SnapshotPath, sdl);
        }

        Assert.Equal((await File.ReadAllTextAsync(SnapshotPath)).ReplaceLineEndings("\n"), sdl);
    }

    [Fact]
    public async Task CuratedNames_ForTheCoreOperations()
    {
        await using var fixture = await GraphQLFixture.StartAsync();

        var body = await fixture.QueryAsync("{ __schema { queryType { fields { name args { name } } } mutationType { fields { name } } } }");

        var queries = body.GetProperty("data").GetProperty("__schema").GetProperty("queryType").GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("args").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList());
        var mutations = body.GetProperty("data").GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Contains("tools", queries.Keys);
        Assert.Equal(["id", "limit"], queries["sessionHistory"]);
        Assert.Contains("bases", queries.Keys);
        Assert.Equal(["baseId"], queries["tables"]);
        Assert.Equal(["baseId", "tableId", "view", "maxRecords", "offset", "fields"], queries["records"]);
        Assert.Contains("chat", mutations);
        Assert.Contains("executeTool", mutations);
        Assert.Contains("deleteSession", mutations);
    }

    [Fact]
    public async Task ServiceDocumentChanges_SchemaRegenerated_OldOneServedUntilThen()
    {
        await using var fixture = await GraphQLFixture.StartAsync();
        var before = await fixture.QueryAsync("{ _documentGeneration }");
        using var unknown = await fixture.PostAsync("""{ listWebhooks(baseId: "app1") { webhooks { id } } }""");
        Assert.Contains("listWebhooks", (await GraphQLFixture.ReadAsync(unknown)).GetProperty("errors")[0].GetProperty("message").GetString());

        var document = System.Text.Json.Nodes.JsonNode.Parse(GraphQLFixture.AirtableDocument)!;
        document["paths"]!["/bases/{base_id}/webhooks"] = System.Text.Json.Nodes.JsonNode.Parse("""
            {"get": {"operationId": "list_webhooks_bases__base_id__webhooks_get", "summary": "List Webhooks",
              "parameters": [{"name": "base_id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"webhooks": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}}}}
            """);
        fixture.AirtableServes = document.ToJsonString();
        fixture.Answers["GET /bases/app1/webhooks"] = GraphQLFixture.Json("""{"webhooks":[{"id":"ach1"}]}""");
        var schema = await fixture.RefreshAsync();

        var after = await fixture.QueryAsync("""{ _documentGeneration listWebhooks(baseId: "app1") { webhooks { id } } }""");

        Assert.True(schema.Generation > before.GetProperty("data").GetProperty("_documentGeneration").GetInt32());
        Assert.Equal(schema.Generation, after.GetProperty("data").GetProperty("_documentGeneration").GetInt32());
        Assert.Equal("ach1", after.GetProperty("data").GetProperty("listWebhooks").GetProperty("webhooks")[0].GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("/api/airtable/bases/{base_id}/schema", "GET", "get_base_schema_bases__base_id__schema_get", "getBaseSchema")]
    [InlineData("/api/airtable/health", "GET", "health_health_get", "health")]
    [InlineData("/api/reports/{id}", "POST", "makeReport", "makeReport")]
    [InlineData("/api/reports/{id}/pdf", "GET", null, "getReportsPdf")]
    public void DerivedName_FastApiSuffixDropped(string path, string method, string? operationId, string expected)
    {
        var operation = JsonDocument.Parse(operationId is null ? "{}" : $$"""{"operationId": "{{operationId}}"}""").RootElement;

        Assert.Equal(expected, GraphQLSchemaGenerator.DerivedName(path, method, operation));
    }

    [Fact]
    public void Generate_UntypableSchemas_BecomeJson_RecursiveOnesResolve()
    {
        var document = """
            {"openapi": "3.1.0", "paths": {"/api/things": {"get": {"operationId": "things", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
             "components": {"schemas": {
               "Node": {"type": "object", "properties": {"name": {"type": ["string", "null"]}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                 "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]}, "bag": {"type": "object", "additionalProperties": true},
                 "kind": {"type": "string", "enum": ["a-b", "c"]}, "size": {"type": "number"}}}}}}
            """u8.ToArray();

        var schema = GraphQLSchemaGenerator.Generate(document, 1, (_, _) => true, out var operations);
        var sdl = global::GraphQL.SchemaExtensions.Print(schema);

        Assert.Equal(1, operations);
        Assert.Contains("children: [Node]", sdl);
        Assert.Contains("either: JSON", sdl);
        Assert.Contains("bag: JSON", sdl);
        Assert.Contains("kind: String", sdl); // "a-b" is not a GraphQL name
        Assert.Contains("size: Float", sdl);
        Assert.Contains("things: Node", sdl);
    }
}
