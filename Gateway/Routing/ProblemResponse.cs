using System.Globalization;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace PyAirtable.Gateway.Routing;

/// <summary>Writes the gateway's own errors as <c>application/problem+json</c> (RFC 9457) with the request id.</summary>
internal static class ProblemResponse
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int status, string title, string detail, Action<Utf8JsonWriter>? extensions = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers[HeaderNames.CacheControl] = "no-store";
        GatewayResponseHeaders.Apply(response);

        using var json = new Utf8JsonWriter(response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("type", "about:blank");
        json.WriteString("title", title);
        json.WriteNumber("status", status);
        json.WriteString("detail", detail);
        json.WriteString("instance", context.Request.Path.Value);
        json.WriteString("requestId", context.TraceIdentifier);
        extensions?.Invoke(json);
        json.WriteEndObject();
        json.Flush();
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    /// <summary>429 or 503: the problem plus <c>Retry-After</c> in whole seconds, at least 1.</summary>
    public static Task WriteRetryAfterAsync(HttpContext context, int status, string title, string detail, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        return WriteAsync(context, status, title, detail);
    }
}
