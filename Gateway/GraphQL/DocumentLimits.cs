using GraphQLParser.AST;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>What the gateway checks in a parsed document itself: its aliases (each one may be another upstream call) and the kind of the operation to run.</summary>
internal static class DocumentLimits
{
    /// <summary>Aliases anywhere in the document (operations and fragments).</summary>
    public static int CountAliases(GraphQLDocument document)
    {
        var count = 0;
        foreach (var definition in document.Definitions)
        {
            count += definition switch
            {
                GraphQLOperationDefinition operation => Count(operation.SelectionSet),
                GraphQLFragmentDefinition fragment => Count(fragment.SelectionSet),
                _ => 0,
            };
        }

        return count;
    }

    /// <summary>The operation <paramref name="name"/> selects (the only one when no name is given), or null.</summary>
    public static GraphQLOperationDefinition? Operation(GraphQLDocument document, string? name)
    {
        GraphQLOperationDefinition? found = null;
        foreach (var definition in document.Definitions)
        {
            if (definition is not GraphQLOperationDefinition operation)
            {
                continue;
            }

            if (string.IsNullOrEmpty(name))
            {
                if (found is not null)
                {
                    return null; // ambiguous: execution reports it
                }

                found = operation;
            }
            else if (operation.Name is { } operationName && operationName.Value == name)
            {
                return operation;
            }
        }

        return found;
    }

    private static int Count(GraphQLSelectionSet? set)
    {
        if (set is null)
        {
            return 0;
        }

        var count = 0;
        foreach (var selection in set.Selections)
        {
            switch (selection)
            {
                case GraphQLField field:
                    count += (field.Alias is null ? 0 : 1) + Count(field.SelectionSet);
                    break;
                case GraphQLInlineFragment inline:
                    count += Count(inline.SelectionSet);
                    break;
            }
        }

        return count;
    }
}
