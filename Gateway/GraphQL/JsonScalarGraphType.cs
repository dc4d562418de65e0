using System.Numerics;
using System.Text.Json;
using global::GraphQL.Types;
using GraphQLParser.AST;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// <c>JSON</c>: any JSON value, for the parts of a service's schema GraphQL cannot type (a <c>oneOf</c>, free-form
/// <c>additionalProperties</c>, a schema without a type). Output is the service's JSON as it came; input is taken from
/// a literal or a variable as it is.
/// </summary>
internal sealed class JsonScalarGraphType : ScalarGraphType
{
    public JsonScalarGraphType()
    {
        Name = "JSON";
        Description = "Any JSON value, where a service's schema cannot be typed (oneOf, free-form objects, no type).";
    }

    public override object? Serialize(object? value) => value;

    public override object? ParseValue(object? value) => value;

    public override bool CanParseValue(object? value) => true;

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLStringValue s => (string)s.Value,
        GraphQLEnumValue e => (string)e.Name.Value,
        GraphQLIntValue i => long.TryParse(i.Value.Span, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var l)
            ? l
            : BigInteger.Parse(i.Value.Span, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture),
        GraphQLFloatValue f => double.Parse(f.Value.Span, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture),
        GraphQLListValue list => list.Values is null ? new List<object?>() : list.Values.ConvertAll(ParseLiteral),
        GraphQLObjectValue obj => ParseObject(obj),
        _ => ThrowLiteralConversionError(value),
    };

    public override bool CanParseLiteral(GraphQLValue value) => value is not GraphQLVariable;

    private Dictionary<string, object?> ParseObject(GraphQLObjectValue value)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (value.Fields is { } fields)
        {
            foreach (var field in fields)
            {
                result[(string)field.Name.Value] = ParseLiteral(field.Value);
            }
        }

        return result;
    }

    /// <summary>A JSON value read from a service as a plain value (for output through this scalar, it stays a <see cref="JsonElement"/>).</summary>
    public static object? FromElement(JsonElement element) => element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : element;
}
