using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Benchmarks.EmulatedServices;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Documentation;

/// <summary>
/// FastAPI-like documents of the services, as the fake upstreams serve them: the LLM orchestrator's (OpenAPI 3.1, the
/// demo's: oneOf with a discriminator, a <c>Record</c> schema), and an Airtable gateway in OpenAPI 3.0 (nullable,
/// allOf, a $ref chain Page → Record → Attachment → Thumbnail, a different <c>Record</c>, the same
/// <c>HTTPValidationError</c>), in JSON and in YAML.
/// </summary>
internal static class ServiceDocuments
{
    public static string Orchestrator31 => Encoding.UTF8.GetString(OpenApiEndpoint.Document("llm-orchestrator.json"));

    public const string Airtable30 = """
        {
          "openapi": "3.0.3",
          "info": {"title": "Airtable Gateway", "version": "1.3.0"},
          "servers": [{"url": "http://airtable-gateway:8002"}],
          "security": [{"InternalKey": []}],
          "paths": {
            "/bases/{base_id}/tables/{table_id}/records": {
              "parameters": [{"name": "table_id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {"tags": ["records"], "summary": "List Records", "operationId": "list_records",
                "parameters": [
                  {"name": "base_id", "in": "path", "required": true, "schema": {"type": "string", "title": "Base Id"}},
                  {"name": "view", "in": "query", "required": false, "schema": {"type": "string", "nullable": true}}],
                "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}},
                  "422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}},
              "post": {"tags": ["records"], "summary": "Create Record", "operationId": "create_record",
                "parameters": [{"name": "base_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewRecord"}}}},
                "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Record"}}}}}}
            },
            "/bases/{base_id}/webhooks": {
              "get": {"tags": ["webhooks"], "summary": "List Webhooks", "operationId": "list_webhooks",
                "parameters": [{"name": "base_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookList"}}}}}},
              "options": {"summary": "Webhook Options", "operationId": "webhook_options", "responses": {"204": {"description": "No Content"}}}
            }
          },
          "components": {
            "schemas": {
              "Page": {"type": "object", "required": ["records"], "properties": {"records": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}}, "offset": {"type": "string", "nullable": true}}},
              "Record": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "fields": {"type": "object", "additionalProperties": true}, "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}}},
              "Attachment": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}, "thumbnail": {"allOf": [{"$ref": "#/components/schemas/Thumbnail"}], "nullable": true}}},
              "Thumbnail": {"type": "object", "properties": {"url": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"}}},
              "NewRecord": {"allOf": [{"$ref": "#/components/schemas/RecordFields"}, {"type": "object", "properties": {"typecast": {"type": "boolean", "default": false}}}]},
              "RecordFields": {"type": "object", "required": ["fields"], "properties": {"fields": {"type": "object", "additionalProperties": true}}},
              "WebhookList": {"type": "object", "properties": {"webhooks": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/TableWebhook"}, {"$ref": "#/components/schemas/BaseWebhook"}]}}}},
              "TableWebhook": {"type": "object", "properties": {"id": {"type": "string"}, "table_id": {"type": "string"}}},
              "BaseWebhook": {"type": "object", "properties": {"id": {"type": "string"}}},
              "Unused": {"type": "object", "properties": {"never": {"$ref": "#/components/schemas/AlsoUnused"}}},
              "AlsoUnused": {"type": "string"},
              "HTTPValidationError": {"properties": {"detail": {"items": {"$ref": "#/components/schemas/ValidationError"}, "type": "array", "title": "Detail"}}, "type": "object", "title": "HTTPValidationError"},
              "ValidationError": {"properties": {"loc": {"items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "type": "array", "title": "Location"}, "msg": {"type": "string", "title": "Message"}, "type": {"type": "string", "title": "Error Type"}}, "type": "object", "required": ["loc", "msg", "type"], "title": "ValidationError"}
            },
            "securitySchemes": {"InternalKey": {"type": "apiKey", "in": "header", "name": "X-Internal-Key"}}
          },
          "tags": [{"name": "records", "description": "Records of a table."}, {"name": "internal", "description": "Never used by an operation."}]
        }
        """;

    public const string AirtableYaml = """
        openapi: 3.0.3
        info:
          title: Airtable Gateway
          version: 1.3.0
        paths:
          /bases/{base_id}/schema:
            get:
              tags: [bases]
              operationId: get_schema
              parameters:
                - name: base_id
                  in: path
                  required: true
                  schema:
                    type: string
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        $ref: '#/components/schemas/BaseSchema'
        components:
          schemas:
            BaseSchema:
              type: object
              properties:
                tables:
                  type: array
                  items:
                    type: string
                  nullable: true
        """;

    /// <summary>A fake service answering <c>GET /openapi.json</c> (or <paramref name="path"/>) with <paramref name="document"/>, and 404 elsewhere.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Serving(string document, string contentType = "application/json", string path = "/openapi.json") =>
        (context, _) => context.Request.Path == path
            ? FakeUpstream.WriteAsync(context, 200, Encoding.UTF8.GetBytes(document), contentType)
            : FakeUpstream.WriteAsync(context, 404, null, "application/json");
}
