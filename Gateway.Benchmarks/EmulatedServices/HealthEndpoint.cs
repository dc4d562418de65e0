using System.Text;

namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary><c>GET /health</c> as every PyAirtable service answers it.</summary>
internal static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints, string serviceName)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"status":"healthy","service":"{{serviceName}}"}""");
        endpoints.MapGet("/health", (HttpContext context) => WriteAsync(context, body));
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
