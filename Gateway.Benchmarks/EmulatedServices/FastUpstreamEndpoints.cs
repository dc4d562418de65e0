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

    /// <summary>
    /// <c>GET /bench/json?size=N</c>: N bytes of JSON (1 KB by default) from a cache, with a
    /// Content-Length; with <c>&amp;chunked=1</c> without one, in two flushed halves (chunked on the wire); with
    /// <c>&amp;max-age=S</c> marked <c>Cache-Control: public, max-age=S</c>.
    /// </summary>
    private static Task JsonAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var size = JsonPayloadCache.DefaultSize;
        if (query.TryGetValue("size", out var sizeText)
            && int.TryParse(sizeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            size = parsed;
        }

        var body = JsonPayloadCache.Get(size);
        var response = context.Response;
        response.ContentType = "application/json";
        if (query.TryGetValue("max-age", out var maxAge)
            && int.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            // For the gateway-cached target: an answer every client may share, so the gateway's cache serves it.
            response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age={seconds}");
        }

        if (query.ContainsKey("chunked"))
        {
            return WriteInHalvesAsync(response, body, context.RequestAborted);
        }

        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    private static async Task WriteInHalvesAsync(HttpResponse response, byte[] body, CancellationToken cancellationToken)
    {
        var half = body.Length / 2;
        await response.Body.WriteAsync(body.AsMemory(0, half), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        await response.Body.WriteAsync(body.AsMemory(half), cancellationToken);
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
