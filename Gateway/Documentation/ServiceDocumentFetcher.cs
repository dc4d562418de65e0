using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace PyAirtable.Gateway.Documentation;

/// <summary>Fetches and reads one service's own OpenAPI document (JSON or YAML, OpenAPI 3.0 or 3.1).</summary>
internal static class ServiceDocumentFetcher
{
    private static readonly OpenApiReaderSettings ReaderSettings = CreateReaderSettings();

    /// <summary>
    /// The document's text from the first of the service's instances that answers 200 within the timeout, or why none did.
    /// The body is read up to <paramref name="maxBytes"/>; the response is never decompressed (the pooled clients do not).
    /// </summary>
    public static async Task<(string? Text, string? Problem)> FetchAsync(DocumentedService service, string path, TimeSpan timeout, int maxBytes, CancellationToken cancellationToken)
    {
        string problem = "no instance configured";
        foreach (var baseUrl in service.BaseUrls)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl.TrimEnd('/') + path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/yaml", 0.9));
            try
            {
                using var response = await service.Invoker.SendAsync(request, timer.Token);
                if (!response.IsSuccessStatusCode)
                {
                    problem = $"HTTP {(int)response.StatusCode} from {path}";
                    continue;
                }

                var text = await ReadBoundedAsync(response.Content, maxBytes, timer.Token);
                if (text is null)
                {
                    problem = $"larger than {maxBytes} bytes";
                    continue;
                }

                return (text, null);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"no answer within {timeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException e)
            {
                problem = e.HttpRequestError == HttpRequestError.ConnectionError ? "connection failed" : "request failed (" + e.HttpRequestError + ")";
            }
        }

        return (null, problem);
    }

    /// <summary>The document, or why it is not a usable OpenAPI document.</summary>
    public static (OpenApiDocument? Document, string? Problem) Read(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        var format = trimmed.Length > 0 && trimmed[0] == '{' ? OpenApiConstants.Json : OpenApiConstants.Yaml;
        try
        {
            var result = OpenApiDocument.Parse(text, format, ReaderSettings);
            if (result.Diagnostic?.Errors is { Count: > 0 } errors)
            {
                return (null, "not a valid OpenAPI document: " + errors[0].Message);
            }

            return result.Document is { Paths: not null } document ? (document, null) : (null, "not an OpenAPI document");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever a service sends is untrusted input: the reader throws assorted types for it (JSON and YAML
            // syntax, an unsupported or missing version, wrong node types), all meaning "not a usable document".
            return (null, "not a valid OpenAPI document: " + e.GetType().Name);
        }
    }

    private static async Task<string?> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 64 * 1024));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    return null;
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static OpenApiReaderSettings CreateReaderSettings()
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        return settings;
    }
}
