namespace PyAirtable.Gateway.Documentation;

/// <summary>The route table and the services behind it, as the API documentation needs them.</summary>
internal interface IDocumentedRoutes
{
    /// <summary>The routes in force, in the table's order (the first route that reaches an operation documents it).</summary>
    IReadOnlyList<DocumentedRoute> Routes { get; }

    /// <summary>Raised after the routes, their auth or the services' addresses changed.</summary>
    event Action? Changed;

    /// <summary>The service a route names, or null when it is unknown.</summary>
    DocumentedService? Service(string name);
}
