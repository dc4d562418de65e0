namespace PyAirtable.Gateway.GraphQL;

/// <summary>The GraphQL endpoint (section <c>Gateway:GraphQL</c>): its switch and the limits a request must stay within.</summary>
internal sealed class GraphQLOptions
{
    public const string Section = "Gateway:GraphQL";

    /// <summary>Serve <c>POST /graphql</c> and <c>GET /graphql</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Deepest selection nesting a document may have (fragments expanded).</summary>
    public int MaxDepth { get; set; } = 12;

    /// <summary>Largest complexity a document may have (each field 1, each object 1, lists multiply their selection by <see cref="ListMultiplier"/>).</summary>
    public int MaxComplexity { get; set; } = 2000;

    /// <summary>How many times a list field's selection counts towards the complexity.</summary>
    public int ListMultiplier { get; set; } = 10;

    /// <summary>Most aliases a document may use (each one can be another upstream call).</summary>
    public int MaxAliases { get; set; } = 15;

    /// <summary>Largest document (the query text), in bytes.</summary>
    public int MaxDocumentBytes { get; set; } = 32 * 1024;

    /// <summary>Largest request body (document, variables and extensions), in bytes.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Answer introspection (<c>__schema</c>, <c>__type</c>) for authenticated clients.</summary>
    public bool Introspection { get; set; } = true;

    /// <summary>Largest upstream answer a field reads, in bytes (a larger one is a field error).</summary>
    public int MaxUpstreamResponseBytes { get; set; } = 8 * 1024 * 1024;
}
