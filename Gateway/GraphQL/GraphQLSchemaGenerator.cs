using System.Text.Json;
using System.Text.RegularExpressions;
using global::GraphQL.Resolvers;
using global::GraphQL.Types;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// Generates the GraphQL schema from the gateway's API document (v1, every operation at its gateway path): a GET is a
/// <c>Query</c> field, any other method a <c>Mutation</c> field. Path and query parameters become arguments
/// (camelCase), the JSON request body the <c>input</c> argument, the 2xx JSON response the field's type
/// (<see cref="OpenApiTypeFactory"/>); an operation answering without a body returns <c>Boolean</c> (true on success).
/// Field names: curated for the core operations (<see cref="Curated"/>), otherwise the operation id without the
/// suffix FastAPI appends (<c>list_records_bases__base_id__..._get</c> → <c>listRecords</c>), otherwise the method and
/// path; a clash takes a number, in document order. Only operations a route of the table takes are included.
/// </summary>
internal static partial class GraphQLSchemaGenerator
{
    /// <summary>The schema's names for the core operations, by method and gateway path.</summary>
    public static readonly IReadOnlyDictionary<string, string> Curated = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GET /api/tools"] = "tools",
        ["GET /api/sessions/{id}/history"] = "sessionHistory",
        ["GET /api/airtable/bases"] = "bases",
        ["GET /api/airtable/bases/{base_id}/schema"] = "tables",
        ["GET /api/airtable/bases/{base_id}/tables/{table_id}/records"] = "records",
        ["GET /api/airtable/bases/{base_id}/tables/{table_id}/records/{record_id}"] = "record",
        ["POST /api/chat"] = "chat",
        ["POST /api/execute-tool"] = "executeTool",
        ["DELETE /api/sessions/{id}"] = "deleteSession",
        ["POST /api/airtable/bases/{base_id}/tables/{table_id}/records"] = "createRecords",
        ["PATCH /api/airtable/bases/{base_id}/tables/{table_id}/records/{record_id}"] = "updateRecord",
        ["DELETE /api/airtable/bases/{base_id}/tables/{table_id}/records/{record_id}"] = "deleteRecord",
    };

    /// <summary>The field that tells which build of the API document the schema was generated from.</summary>
    public const string GenerationField = "_documentGeneration";

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>
    /// The schema of <paramref name="document"/> (OpenAPI 3.x JSON). <paramref name="routed"/> tells whether a route
    /// takes a method on a concrete path (operations no route takes are left out).
    /// </summary>
    public static ISchema Generate(ReadOnlyMemory<byte> document, long generation, Func<string, string, bool> routed, out int operations)
    {
        using var parsed = JsonDocument.Parse(document);
        var root = parsed.RootElement;
        var factory = new OpenApiTypeFactory(root);
        var query = new ObjectGraphType { Name = "Query", Description = "Reads: the GET operations of the gateway's API." };
        var mutation = new ObjectGraphType { Name = "Mutation", Description = "Changes: the POST, PUT, PATCH and DELETE operations of the gateway's API." };
        query.AddField(new FieldType
        {
            Name = GenerationField,
            Description = "The build of the gateway's API document this schema was generated from (it is generated again when the document changes).",
            ResolvedType = new NonNullGraphType(factory.Int),
            Resolver = new FuncFieldResolver<object>(_ => (int)generation),
        });

        var found = new List<(string Key, string Path, string Method, JsonElement Operation, JsonElement PathItem)>();
        if (root.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Object)
        {
            foreach (var path in paths.EnumerateObject())
            {
                if (path.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var method in Methods)
                {
                    if (path.Value.TryGetProperty(method, out var operation) && operation.ValueKind == JsonValueKind.Object
                        && routed(method.ToUpperInvariant(), Example(path.Name)))
                    {
                        found.Add((method.ToUpperInvariant() + " " + path.Name, path.Name, method.ToUpperInvariant(), operation, path.Value));
                    }
                }
            }
        }

        // Curated names first, so a derived name never takes one of them.
        var taken = new HashSet<string>(StringComparer.Ordinal) { GenerationField };
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, _, _, _, _) in found)
        {
            if (Curated.TryGetValue(key, out var curated) && taken.Add(curated))
            {
                names[key] = curated;
            }
        }

        foreach (var (key, path, method, operation, _) in found)
        {
            if (names.ContainsKey(key))
            {
                continue;
            }

            var wanted = DerivedName(path, method, operation);
            var name = wanted;
            for (var n = 2; !taken.Add(name); n++)
            {
                name = wanted + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            names[key] = name;
        }

        operations = 0;
        foreach (var (key, path, method, operation, pathItem) in found)
        {
            var field = Field(factory, names[key], path, method, operation, pathItem);
            (method == "GET" ? query : mutation).AddField(field);
            operations++;
        }

        var schema = new Schema(GraphTypeServices.Instance) { Query = query, Description = "The PyAirtable API Gateway's operations as GraphQL, generated from its OpenAPI document." };
        if (mutation.Fields.Count > 0)
        {
            schema.Mutation = mutation;
        }

        schema.RegisterType(factory.Json);
        schema.Initialize();
        return schema;
    }

    private static FieldType Field(OpenApiTypeFactory factory, string name, string path, string method, JsonElement operation, JsonElement pathItem)
    {
        var pascal = GraphQLNames.Pascal(name);
        var arguments = new QueryArguments();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var pathParameters = new List<(string, string)>();
        var queryParameters = new List<(string, string)>();
        foreach (var parameter in Parameters(operation, pathItem))
        {
            var parameterName = parameter.GetProperty("name").GetString()!;
            var location = parameter.GetProperty("in").GetString();
            if (location is not ("path" or "query"))
            {
                continue;
            }

            var argument = GraphQLNames.Field(parameterName);
            for (var n = 2; !used.Add(argument); n++)
            {
                argument = GraphQLNames.Field(parameterName) + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var schema = parameter.TryGetProperty("schema", out var s) ? s : default;
            IGraphType type = schema.ValueKind == JsonValueKind.Object ? factory.Input(schema, pascal + GraphQLNames.Pascal(parameterName)) : factory.String;
            if (type is IInputObjectGraphType or JsonScalarGraphType && location == "path")
            {
                type = factory.String;
            }

            var required = location == "path" || (parameter.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True);
            arguments.Add(new QueryArgument(required ? new NonNullGraphType(type) : type)
            {
                Name = argument,
                Description = OpenApiTypeFactory.Description(parameter),
            });
            (location == "path" ? pathParameters : queryParameters).Add((argument, parameterName));
        }

        var hasBody = false;
        if (operation.TryGetProperty("requestBody", out var requestBody) && JsonSchema(requestBody) is { } bodySchema)
        {
            hasBody = true;
            var type = factory.Input(bodySchema, pascal);
            var required = requestBody.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True;
            arguments.Add(new QueryArgument(required ? new NonNullGraphType(type) : type)
            {
                Name = used.Add(GraphQLOperation.InputArgument) ? GraphQLOperation.InputArgument : throw new InvalidOperationException($"{method} {path}: a parameter is named 'input'"),
                Description = OpenApiTypeFactory.Description(requestBody) ?? "The request body.",
            });
        }

        IGraphType returnType;
        var noContent = false;
        if (SuccessSchema(operation) is { } responseSchema)
        {
            returnType = factory.Output(responseSchema, pascal + "Result");
        }
        else if (HasBodilessSuccess(operation))
        {
            returnType = factory.Boolean;
            noContent = true;
        }
        else
        {
            returnType = factory.Json;
        }

        var description = Text(operation, "summary") is { } summary
            ? Text(operation, "description") is { } more ? summary + "\n\n" + more : summary
            : Text(operation, "description");
        var descriptor = new GraphQLOperation(name, method, path, [.. pathParameters], [.. queryParameters], hasBody, returnType, noContent);
        return new FieldType
        {
            Name = name,
            Description = (description is null ? "" : description + "\n\n") + $"`{method} {path}`",
            Arguments = arguments,
            ResolvedType = returnType,
            Resolver = new OperationResolver(descriptor),
            DeprecationReason = operation.TryGetProperty("deprecated", out var deprecated) && deprecated.ValueKind == JsonValueKind.True ? "Deprecated by the service." : null,
        };
    }

    /// <summary>The operation's parameters, then the path item's that it does not override (references are resolved by the merge).</summary>
    private static IEnumerable<JsonElement> Parameters(JsonElement operation, JsonElement pathItem)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var source in (JsonElement[])[operation, pathItem])
        {
            if (!source.TryGetProperty("parameters", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var parameter in list.EnumerateArray())
            {
                if (parameter.ValueKind == JsonValueKind.Object && parameter.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && parameter.TryGetProperty("in", out var location) && location.ValueKind == JsonValueKind.String
                    && seen.Add((name.GetString()!, location.GetString()!)))
                {
                    yield return parameter;
                }
            }
        }
    }

    /// <summary>The JSON schema of a request body or response (<c>application/json</c> or another <c>+json</c> type).</summary>
    private static JsonElement? JsonSchema(JsonElement bodyOrResponse)
    {
        if (!bodyOrResponse.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var media in content.EnumerateObject())
        {
            if ((media.Name.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || media.Name.Contains("+json", StringComparison.OrdinalIgnoreCase))
                && media.Value.ValueKind == JsonValueKind.Object)
            {
                return media.Value.TryGetProperty("schema", out var schema) ? schema : default(JsonElement);
            }
        }

        return null;
    }

    private static JsonElement? SuccessSchema(JsonElement operation)
    {
        if (!operation.TryGetProperty("responses", out var responses) || responses.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var status in (string[])["200", "201", "202", "203", "2XX", "2xx"])
        {
            if (responses.TryGetProperty(status, out var response) && JsonSchema(response) is { } schema)
            {
                return schema;
            }
        }

        return null;
    }

    private static bool HasBodilessSuccess(JsonElement operation)
    {
        if (!operation.TryGetProperty("responses", out var responses) || responses.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var response in responses.EnumerateObject())
        {
            if (response.Name.StartsWith('2') && !(response.Value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object && content.EnumerateObject().Any()))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The operation id without FastAPI's suffix (the service path with every non-word character an underscore, then
    /// the method), camelCased; without an id, the method and the path's fixed segments.
    /// </summary>
    internal static string DerivedName(string path, string method, JsonElement operation)
    {
        var id = Text(operation, "operationId");
        if (id is not null)
        {
            var suffix = "_" + method.ToLowerInvariant();
            var stem = id.EndsWith(suffix, StringComparison.Ordinal) ? id[..^suffix.Length] : id;
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var k = segments.Length; k >= 1; k--)
            {
                var tail = NonWord().Replace("/" + string.Join('/', segments[^k..]), "_");
                if (stem.Length > tail.Length && stem.EndsWith(tail, StringComparison.Ordinal))
                {
                    stem = stem[..^tail.Length];
                    break;
                }
            }

            if (stem.Length > 0)
            {
                return GraphQLNames.Field(stem);
            }
        }

        var words = new List<string> { method.ToLowerInvariant() };
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!segment.StartsWith('{') && segment != "api")
            {
                words.Add(segment);
            }
        }

        return GraphQLNames.Field(string.Join('_', words));
    }

    /// <summary>A concrete path with every parameter filled, to ask the route table whether a route takes it.</summary>
    private static string Example(string template) => Parameter().Replace(template, "x");

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    [GeneratedRegex(@"\W")]
    private static partial Regex NonWord();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
