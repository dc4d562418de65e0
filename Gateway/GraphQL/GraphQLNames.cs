using System.Text;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>GraphQL names from OpenAPI ones: <c>session_id</c> → <c>sessionId</c>, <c>base-schema</c> → <c>BaseSchema</c>; always <c>[_A-Za-z][_0-9A-Za-z]*</c>, never <c>__</c>-prefixed.</summary>
internal static class GraphQLNames
{
    /// <summary>camelCase: words split at anything but letters and digits, and at underscores.</summary>
    public static string Field(string name)
    {
        var pascal = Pascal(name);
        return pascal.Length == 0 ? "_" : pascal[0] == '_' ? pascal : char.ToLowerInvariant(pascal[0]) + pascal[1..];
    }

    /// <summary>PascalCase for type names; letters inside a word keep their case (<c>HTTPValidationError</c>).</summary>
    public static string Pascal(string name)
    {
        var text = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        if (text.Length == 0)
        {
            return "_";
        }

        if (char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }

        return text.ToString();
    }

    /// <summary>A type name: the component name's letters, digits and underscores (<c>AirtableGateway_Record</c> stays).</summary>
    public static string Type(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        var result = text.ToString().TrimStart('_');
        if (result.Length == 0 || char.IsAsciiDigit(result[0]))
        {
            result = "T" + result;
        }

        return char.ToUpperInvariant(result[0]) + result[1..];
    }

    /// <summary>An enum value's name, or null when the value cannot be one (then the field stays a String).</summary>
    public static string? EnumValue(string value)
    {
        if (value.Length == 0 || value is "true" or "false" or "null" || value.StartsWith("__", StringComparison.Ordinal)
            || !(char.IsAsciiLetter(value[0]) || value[0] == '_'))
        {
            return null;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return null;
            }
        }

        return value;
    }
}
