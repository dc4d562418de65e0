namespace PyAirtable.Gateway.Routing;

/// <summary>Method lists for endpoint mapping.</summary>
internal static class GatewayMethods
{
    /// <summary>GET, and HEAD with it.</summary>
    public static readonly string[] Get = [HttpMethods.Get, HttpMethods.Head];
}
