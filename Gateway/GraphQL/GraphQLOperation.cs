using global::GraphQL.Types;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>One operation of the API document as a root field: where it goes and how its arguments fill the request.</summary>
internal sealed record GraphQLOperation(
    string FieldName,
    string Method,
    string PathTemplate,
    (string Argument, string Parameter)[] PathParameters,
    (string Argument, string Parameter)[] QueryParameters,
    bool HasBody,
    IGraphType ReturnType,
    bool NoContent)
{
    /// <summary>The argument that carries the request body.</summary>
    public const string InputArgument = "input";
}
