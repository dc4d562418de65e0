using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>
/// The emulated airtable-gateway: every method on every path (other than health and the bench
/// endpoints) answers JSON describing what arrived, so the gateway's rewriting is visible.
/// </summary>
internal static class AirtableGatewayEndpoints
{
    /// <summary>Request headers reported back; credentials are reported as present, never echoed.</summary>
    private static readonly string[] HeadersOfInterest =
    [
        "Host", "X-Request-ID", "X-Client-Id", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        "traceparent", "Content-Type", "Content-Length", "Transfer-Encoding", "User-Agent", "Accept",
    ];

    private static readonly string[] Credentials = ["X-API-Key", "Authorization", "Cookie"];

    public static IEndpointRouteBuilder MapAirtableGateway(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapFallback(static (HttpContext context) => DescribeAsync(context));
        return endpoints;
    }

    private static async Task DescribeAsync(HttpContext context)
    {
        var request = context.Request;
        var bodyLength = await CountBodyAsync(request.Body, context.RequestAborted);
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("service", "airtable-gateway");
        json.WriteString("method", request.Method);
        json.WriteString("path", queryStart < 0 ? rawTarget : rawTarget[..queryStart]);
        json.WriteString("query", queryStart < 0 ? string.Empty : rawTarget[(queryStart + 1)..]);
        json.WriteStartObject("headers");
        foreach (var name in HeadersOfInterest)
        {
            if (request.Headers.TryGetValue(name, out var value))
            {
                json.WriteString(name, value.ToString());
            }
        }

        foreach (var name in Credentials)
        {
            if (request.Headers.ContainsKey(name))
            {
                json.WriteString(name, "(present)");
            }
        }

        json.WriteEndObject();
        json.WriteNumber("bodyLength", bodyLength);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static async Task<long> CountBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
