namespace PyAirtable.Gateway.Observability;

/// <summary>
/// The request method as a metric label or span attribute: one of the standard methods (RFC 9110 and PATCH) in its
/// canonical spelling, or <c>_OTHER</c> for anything else, as OpenTelemetry's HTTP conventions (and ASP.NET Core's own
/// meters) do, so a client cannot create a series per invented method. Routing matches methods case-insensitively,
/// so <c>get</c> counts as <c>GET</c>. No allocation: Kestrel hands standard methods over as the interned
/// <see cref="HttpMethods"/> constants, which the first comparison of each case matches by reference.
/// </summary>
internal static class MethodLabel
{
    public const string Other = "_OTHER";

    public static string Of(string method) => method.Length switch
    {
        3 => Match(method, HttpMethods.Get) ?? Match(method, HttpMethods.Put) ?? Other,
        4 => Match(method, HttpMethods.Post) ?? Match(method, HttpMethods.Head) ?? Other,
        5 => Match(method, HttpMethods.Patch) ?? Match(method, HttpMethods.Trace) ?? Other,
        6 => Match(method, HttpMethods.Delete) ?? Other,
        7 => Match(method, HttpMethods.Options) ?? Match(method, HttpMethods.Connect) ?? Other,
        _ => Other,
    };

    private static string? Match(string method, string standard) =>
        ReferenceEquals(method, standard) || string.Equals(method, standard, StringComparison.OrdinalIgnoreCase) ? standard : null;
}
