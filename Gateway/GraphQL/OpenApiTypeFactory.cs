using System.Text.Json;
using global::GraphQL.Types;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// GraphQL types from the JSON Schemas of an OpenAPI document: an object schema becomes an object type (output) or
/// an input object type (input), named after its component (<c>Record</c>, <c>RecordInput</c>) or, inline, after
/// where it is used; <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c> become <c>String</c>, <c>Int</c>,
/// <c>Float</c>, <c>Boolean</c>; arrays lists; a string <c>enum</c> whose values are valid names an enum; a nullable
/// wrapper (<c>anyOf</c> with <c>null</c>, a single <c>allOf</c>) the type it wraps; an <c>allOf</c> of objects their
/// merged properties. What cannot be typed (<c>oneOf</c>/<c>anyOf</c> of several, free-form
/// <c>additionalProperties</c>, no type) is the <c>JSON</c> scalar. Each component is built once, so recursive schemas work.
/// </summary>
internal sealed class OpenApiTypeFactory
{
    private const string RefPrefix = "#/components/schemas/";

    private readonly JsonElement _components;
    private readonly Dictionary<string, IGraphType> _outputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IGraphType> _inputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal) { "Query", "Mutation", "Subscription", "JSON", "String", "Int", "Float", "Boolean", "ID" };
    private readonly Dictionary<string, EnumerationGraphType> _enums = new(StringComparer.Ordinal);

    public OpenApiTypeFactory(JsonElement document)
    {
        _components = document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var schemas)
            && schemas.ValueKind == JsonValueKind.Object ? schemas : default;
    }

    public JsonScalarGraphType Json { get; } = new();

    public StringGraphType String { get; } = new();

    public IntGraphType Int { get; } = new();

    public FloatGraphType Float { get; } = new();

    public BooleanGraphType Boolean { get; } = new();

    /// <summary>The output type of <paramref name="schema"/>; <paramref name="hint"/> names it when it is an inline object or enum.</summary>
    public IGraphType Output(JsonElement schema, string hint) => Map(schema, hint, input: false, depth: 0);

    /// <summary>The input type of <paramref name="schema"/>; required properties are non-null.</summary>
    public IGraphType Input(JsonElement schema, string hint) => Map(schema, hint, input: true, depth: 0);

    /// <summary>A unique type name starting from <paramref name="wanted"/>.</summary>
    public string Reserve(string wanted)
    {
        var name = wanted;
        for (var n = 2; !_names.Add(name); n++)
        {
            name = wanted + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return name;
    }

    private IGraphType Map(JsonElement schema, string hint, bool input, int depth)
    {
        if (depth > 32 || schema.ValueKind != JsonValueKind.Object)
        {
            return Json;
        }

        if (Ref(schema) is { } id)
        {
            return Component(id, input, depth);
        }

        if (Alternatives(schema) is { } alternatives)
        {
            return alternatives.Count == 1 ? Map(alternatives[0], hint, input, depth + 1) : Json;
        }

        if (schema.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array)
        {
            if (allOf.GetArrayLength() == 1 && !schema.TryGetProperty("properties", out _))
            {
                return Map(allOf[0], hint, input, depth + 1);
            }

            var merged = MergedProperties(schema, depth);
            return merged is null ? Json : BuildObject(GraphQLNames.Type(hint), merged.Value.Properties, merged.Value.Required, input, depth, description: Description(schema));
        }

        var type = TypeOf(schema);
        switch (type)
        {
            case "string":
                return schema.TryGetProperty("enum", out var values) ? Enum(GraphQLNames.Type(hint), values) ?? (IGraphType)String : String;
            case "integer":
                return Int;
            case "number":
                return Float;
            case "boolean":
                return Boolean;
            case "array":
                return new ListGraphType(schema.TryGetProperty("items", out var items) ? Map(items, hint + "Item", input, depth + 1) : Json);
            case "object" or null when schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object && HasAny(properties):
                return BuildObject(GraphQLNames.Type(hint), properties, Required(schema), input, depth, Description(schema));
            case null when schema.TryGetProperty("enum", out var untyped) && AllStrings(untyped):
                return Enum(GraphQLNames.Type(hint), untyped) ?? (IGraphType)String;
            case null when schema.TryGetProperty("const", out var constant) && constant.ValueKind == JsonValueKind.String:
                return String;
            default:
                return Json;
        }
    }

    private IGraphType Component(string id, bool input, int depth)
    {
        var cache = input ? _inputs : _outputs;
        if (cache.TryGetValue(id, out var known))
        {
            return known;
        }

        if (_components.ValueKind != JsonValueKind.Object || !_components.TryGetProperty(id, out var schema) || schema.ValueKind != JsonValueKind.Object)
        {
            return cache[id] = Json;
        }

        // An object component: its type is registered before its fields are built, so a schema that refers to itself resolves.
        var name = GraphQLNames.Type(id) + (input ? "Input" : "");
        var objectProperties = ObjectProperties(schema, depth);
        if (objectProperties is { } shape)
        {
            var type = input ? (IGraphType)new GeneratedInputType { Name = Reserve(name) } : new ObjectGraphType { Name = Reserve(name) };
            type.Description = Description(schema);
            cache[id] = type;
            Fill(type, shape.Properties, shape.Required, input, depth);
            return type;
        }

        var mapped = Map(schema, GraphQLNames.Type(id), input, depth + 1);
        cache[id] = mapped;
        return mapped;
    }

    /// <summary>The properties of an object schema (or an allOf of objects), or null when the schema is not such an object.</summary>
    private (JsonElement Properties, HashSet<string> Required)? ObjectProperties(JsonElement schema, int depth)
    {
        if (Ref(schema) is not null || Alternatives(schema) is not null)
        {
            return null;
        }

        if (schema.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array)
        {
            if (allOf.GetArrayLength() == 1 && !schema.TryGetProperty("properties", out _))
            {
                return null;
            }

            var merged = MergedProperties(schema, depth);
            return merged is { } m ? (m.Properties, m.Required) : null;
        }

        return TypeOf(schema) is "object" or null && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object && HasAny(properties)
            ? (properties, Required(schema))
            : null;
    }

    /// <summary>The properties of every part of an <c>allOf</c> (references followed) and of the schema itself, as one object.</summary>
    private (JsonElement Properties, HashSet<string> Required)? MergedProperties(JsonElement schema, int depth)
    {
        var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (!Collect(schema, properties, required, depth) || properties.Count == 0)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return (JsonElement.ParseValue(ref reader), required);
    }

    private bool Collect(JsonElement schema, Dictionary<string, JsonElement> properties, HashSet<string> required, int depth)
    {
        if (depth > 32 || schema.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (Ref(schema) is { } id)
        {
            return _components.ValueKind == JsonValueKind.Object && _components.TryGetProperty(id, out var target) && Collect(target, properties, required, depth + 1);
        }

        if (Alternatives(schema) is not null)
        {
            return false;
        }

        if (schema.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in allOf.EnumerateArray())
            {
                if (!Collect(part, properties, required, depth + 1))
                {
                    return false;
                }
            }
        }

        if (TypeOf(schema) is not ("object" or null))
        {
            return false;
        }

        if (schema.TryGetProperty("properties", out var own) && own.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in own.EnumerateObject())
            {
                properties[property.Name] = property.Value;
            }
        }

        required.UnionWith(Required(schema));
        return true;
    }

    private IGraphType BuildObject(string name, JsonElement properties, HashSet<string> required, bool input, int depth, string? description)
    {
        var type = input ? (IGraphType)new GeneratedInputType { Name = Reserve(name + "Input") } : new ObjectGraphType { Name = Reserve(name) };
        type.Description = description;
        Fill(type, properties, required, input, depth);
        return type;
    }

    private void Fill(IGraphType type, JsonElement properties, HashSet<string> required, bool input, int depth)
    {
        var complex = (IComplexGraphType)type;
        var parent = input ? type.Name[..^"Input".Length] : type.Name;
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in properties.EnumerateObject())
        {
            var fieldName = GraphQLNames.Field(property.Name);
            for (var n = 2; !used.Add(fieldName); n++)
            {
                fieldName = GraphQLNames.Field(property.Name) + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var fieldType = Map(property.Value, parent + GraphQLNames.Pascal(property.Name), input, depth + 1);
            if (input)
            {
                if (required.Contains(property.Name) && !Nullable(property.Value))
                {
                    fieldType = new NonNullGraphType(fieldType);
                }

                ((GeneratedInputType)type).AddProperty(fieldName, property.Name, fieldType, Description(property.Value));
            }
            else
            {
                complex.AddField(new FieldType
                {
                    Name = fieldName,
                    ResolvedType = fieldType,
                    Description = Description(property.Value),
                    Resolver = new JsonFieldResolver(property.Name, fieldType),
                });
            }
        }
    }

    private EnumerationGraphType? Enum(string name, JsonElement values)
    {
        if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
        {
            return null;
        }

        var names = new List<string>();
        foreach (var value in values.EnumerateArray())
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.String || GraphQLNames.EnumValue(value.GetString()!) is not { } valid || names.Contains(valid))
            {
                return null;
            }

            names.Add(valid);
        }

        if (names.Count == 0)
        {
            return null;
        }

        var key = string.Join('|', names);
        if (_enums.TryGetValue(key, out var known))
        {
            return known; // one type for the same set of values
        }

        var type = new EnumerationGraphType { Name = Reserve(name) };
        foreach (var value in names)
        {
            type.Add(value, value);
        }

        _enums[key] = type;
        return type;
    }

    private static string? Ref(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String && reference.GetString() is { } text
        && text.StartsWith(RefPrefix, StringComparison.Ordinal)
            ? Uri.UnescapeDataString(text[RefPrefix.Length..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            : null;

    /// <summary>The non-null alternatives of a <c>oneOf</c>/<c>anyOf</c>, or null when the schema has neither.</summary>
    private static List<JsonElement>? Alternatives(JsonElement schema)
    {
        foreach (var keyword in (string[])["oneOf", "anyOf"])
        {
            if (schema.TryGetProperty(keyword, out var options) && options.ValueKind == JsonValueKind.Array)
            {
                var list = new List<JsonElement>();
                foreach (var option in options.EnumerateArray())
                {
                    if (!IsNull(option))
                    {
                        list.Add(option);
                    }
                }

                return list;
            }
        }

        return null;
    }

    private static bool IsNull(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("null");

    /// <summary>The schema's single non-null type, <c>"multiple"</c> when it allows several, or null when it names none.</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return null;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString();
        }

        if (type.ValueKind != JsonValueKind.Array)
        {
            return "multiple";
        }

        string? single = null;
        foreach (var item in type.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.ValueEquals("null"))
            {
                continue;
            }

            if (single is not null)
            {
                return "multiple";
            }

            single = item.GetString();
        }

        return single;
    }

    /// <summary>The schema allows null (3.0 <c>nullable</c>, 3.1 a <c>null</c> type or alternative).</summary>
    private static bool Nullable(JsonElement schema)
    {
        if (schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True)
        {
            return true;
        }

        if (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in type.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.ValueEquals("null"))
                {
                    return true;
                }
            }
        }

        foreach (var keyword in (string[])["oneOf", "anyOf"])
        {
            if (schema.TryGetProperty(keyword, out var options) && options.ValueKind == JsonValueKind.Array)
            {
                foreach (var option in options.EnumerateArray())
                {
                    if (IsNull(option))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static HashSet<string> Required(JsonElement schema)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    required.Add(item.GetString()!);
                }
            }
        }

        return required;
    }

    private static bool HasAny(JsonElement properties)
    {
        using var enumerator = properties.EnumerateObject();
        return enumerator.MoveNext();
    }

    private static bool AllStrings(JsonElement values)
    {
        if (values.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var value in values.EnumerateArray())
        {
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return false;
            }
        }

        return true;
    }

    internal static string? Description(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String
            ? description.GetString()
            : null;
}
