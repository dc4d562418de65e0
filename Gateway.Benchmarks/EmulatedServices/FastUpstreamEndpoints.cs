using System.Globalization;

namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>The load harness's fast endpoints: precomputed JSON and a streaming echo.</summary>
internal static class FastUpstreamEndpoints
{
    public static IEndpointRouteBuilder MapFastUpstream(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/bench/json", static (HttpContext context) => JsonAsync(context));
        endpoints.MapPost("/bench/echo", static (HttpContext context) => EchoAsync(context));
        return endpoints;
    }

    /// <summary><c>GET /bench/json?size=N</c>: N bytes of JSON (1 KB by default) from a cache.</summary>
    private static Task JsonAsync(HttpContext context)
    {
        var size = JsonPayloadCache.DefaultSize;
        if (context.Request.Query.TryGetValue("size", out var sizeText)
            && int.TryParse(sizeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            size = parsed;
        }

        var body = JsonPayloadCache.Get(size);
        var response = context.Response;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary><c>POST /bench/echo</c>: the request body streamed back as it arrives.</summary>
    private static async Task EchoAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.ContentType = request.ContentType ?? "application/octet-stream";
        if (request.ContentLength is { } length)
        {
            response.ContentLength = length;
        }

        await request.BodyReader.CopyToAsync(response.BodyWriter, context.RequestAborted);
    }
}
