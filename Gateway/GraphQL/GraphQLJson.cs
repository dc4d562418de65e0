using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using global::GraphQL;
using global::GraphQL.SystemTextJson;
using global::GraphQL.Transport;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// Reads GraphQL-over-HTTP request bodies and <c>variables</c> with GraphQL.SystemTextJson's own converters, bound to
/// their types through metadata made here (<see cref="JsonMetadataServices.CreateValueInfo{T}"/>): no reflection-based
/// serialization, as native AOT requires.
/// </summary>
internal static class GraphQLJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        TypeInfoResolver = new Resolver(),
        MaxDepth = 64,
    };

    public static readonly JsonTypeInfo<GraphQLRequest> Request = (JsonTypeInfo<GraphQLRequest>)Options.GetTypeInfo(typeof(GraphQLRequest));

    public static readonly JsonTypeInfo<Inputs> Inputs = (JsonTypeInfo<Inputs>)Options.GetTypeInfo(typeof(Inputs));

    private sealed class Resolver : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            type == typeof(GraphQLRequest) ? JsonMetadataServices.CreateValueInfo<GraphQLRequest>(options, new GraphQLRequestJsonConverter())
            : type == typeof(Inputs) ? JsonMetadataServices.CreateValueInfo<Inputs>(options, new InputsJsonConverter())
            : null;
    }
}
