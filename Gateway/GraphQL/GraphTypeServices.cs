using global::GraphQL.Types;

namespace PyAirtable.Gateway.GraphQL;

/// <summary>
/// The service provider a generated schema creates its framework types from. GraphQL.NET's default provider
/// creates any type it is asked for by reflection (<c>Activator.CreateInstance</c>), which native AOT cannot promise;
/// a schema of generated code-first types asks only for the built-in scalars (and for optional extension lists, of
/// which it has none), and this provider creates those directly.
/// </summary>
internal sealed class GraphTypeServices : IServiceProvider
{
    public static readonly GraphTypeServices Instance = new();

    public object? GetService(Type serviceType) =>
        serviceType == typeof(StringGraphType) ? new StringGraphType()
        : serviceType == typeof(BooleanGraphType) ? new BooleanGraphType()
        : serviceType == typeof(IntGraphType) ? new IntGraphType()
        : serviceType == typeof(FloatGraphType) ? new FloatGraphType()
        : serviceType == typeof(IdGraphType) ? new IdGraphType()
        : serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? null
        : throw new InvalidOperationException($"The generated GraphQL schema asked for {serviceType}, which it never needs.");
}
