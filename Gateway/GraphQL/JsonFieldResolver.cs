using System.Text.Json;
using global::GraphQL;
using global::GraphQL.Resolvers;
using global::GraphQL.Types;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// Resolves a field of a generated object type from its parent's JSON (a <see cref="JsonElement"/>): the property of
/// the service's name, converted for the field's GraphQL type. No reflection, no allocation beyond the value.
/// </summary>
internal sealed class JsonFieldResolver : IFieldResolver
{
    private readonly string _property;

    public JsonFieldResolver(string property, IGraphType type)
    {
        _property = property;
        Type = type;
    }

    /// <summary>The field's type; set after construction for types still being built (recursive schemas).</summary>
    public IGraphType Type { get; }

    public ValueTask<object?> ResolveAsync(IResolveFieldContext context) =>
        new(context.Source is JsonElement { ValueKind: JsonValueKind.Object } parent && parent.TryGetProperty(_property, out var value)
            ? Convert(value, Type)
            : null);

    /// <summary>A JSON value as the plain value <paramref name="type"/> serializes; null when it does not fit.</summary>
    public static object? Convert(JsonElement value, IGraphType type)
    {
        while (type is NonNullGraphType nonNull)
        {
            type = nonNull.ResolvedType!;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
        }

        switch (type)
        {
            case JsonScalarGraphType:
                return value;
            case ListGraphType list:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }

                var items = new List<object?>(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    items.Add(Convert(item, list.ResolvedType!));
                }

                return items;
            case IObjectGraphType:
                return value.ValueKind == JsonValueKind.Object ? value : null;
            case EnumerationGraphType:
                return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            case StringGraphType:
                return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
            case IntGraphType:
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : null;
            case FloatGraphType:
                return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
            case BooleanGraphType:
                return value.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null };
            default:
                return value;
        }
    }
}
