using global::GraphQL.Types;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// An input object type generated from a request-body schema. Its fields have GraphQL names; a parsed value is
/// handed on keyed by the service's property names, so it can be written to the service as JSON as it is.
/// </summary>
internal sealed class GeneratedInputType : InputObjectGraphType
{
    private readonly Dictionary<string, string> _jsonNames = new(StringComparer.Ordinal);

    public void AddProperty(string fieldName, string jsonName, IGraphType type, string? description)
    {
        _jsonNames[fieldName] = jsonName;
        AddField(new FieldType { Name = fieldName, ResolvedType = type, Description = description });
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        var result = new Dictionary<string, object?>(value.Count, StringComparer.Ordinal);
        foreach (var (name, item) in value)
        {
            result[_jsonNames.TryGetValue(name, out var jsonName) ? jsonName : name] = item;
        }

        return result;
    }
}
