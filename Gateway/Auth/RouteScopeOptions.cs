namespace PyAirtable.Gateway.Auth;

/// <summary>One scope requirement (an item of <c>Gateway:Auth:RouteScopes</c>): the route template, its methods (all when empty) and the scope.</summary>
internal sealed class RouteScopeOptions
{
    /// <summary>A proxied route's template as the route table has it, e.g. <c>/api/airtable/{**path}</c>.</summary>
    public string Route { get; set; } = "";

    /// <summary>Methods the requirement applies to; empty means every method of the route. GET covers HEAD.</summary>
    public string[] Methods { get; set; } = [];

    /// <summary>The scope a client must hold.</summary>
    public string Scope { get; set; } = "";
}
