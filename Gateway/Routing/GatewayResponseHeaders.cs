namespace PyAirtable.Gateway.Routing;

/// <summary>Headers on every response the gateway writes itself (not on proxied ones).</summary>
internal static class GatewayResponseHeaders
{
    public static void Apply(HttpResponse response) =>
        response.Headers.XContentTypeOptions = "nosniff";
}
