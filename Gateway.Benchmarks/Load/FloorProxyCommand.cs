using System.Net;
using Microsoft.AspNetCore.Http.Features;
using PyAirtable.Gateway.Benchmarks.Common;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>
/// Hidden <c>floor-proxy</c> mode: the least a Kestrel + <see cref="HttpMessageInvoker"/> proxy can do, as a yardstick
/// for the gateway and YARP. One terminal middleware (no routing, no endpoints, no features), the
/// <c>/api/airtable</c> prefix stripped, request and response headers copied without any filtering but the
/// transfer framing, bodies streamed, one <see cref="SocketsHttpHandler"/>. Not a usable proxy: what it leaves out is
/// what a proxy must do; what it costs is what Kestrel and the HTTP client cost on their own.
/// </summary>
internal static class FloorProxyCommand
{
    private const string Prefix = "/api/airtable";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string>());
        var port = options.Int("port", 8011);
        var upstream = options.String("upstream", "http://127.0.0.1:8002/")!.Split(',')[0].TrimEnd('/');
        options.ThrowOnUnknown();

        var builder = BaselineHost.CreateBuilder(port);

        var app = builder.Build();
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        });

        app.Run(context => ForwardAsync(context, invoker, upstream));
        await app.RunAsync();
        return 0;
    }

    private static async Task ForwardAsync(HttpContext context, HttpMessageInvoker invoker, string upstream)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments(Prefix, out var rest))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        var message = new HttpRequestMessage(HttpMethod.Parse(request.Method), upstream + rest.Value + request.QueryString.Value)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (context.Features.GetRequiredFeature<IHttpRequestBodyDetectionFeature>().CanHaveBody)
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var header in request.Headers)
        {
            if (header.Key is "Host" or "Content-Length" or "Transfer-Encoding" or "Connection")
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        using var response = await invoker.SendAsync(message, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        CopyHeaders(response.Headers.NonValidated, context.Response.Headers);
        CopyHeaders(response.Content.Headers.NonValidated, context.Response.Headers);

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeadersNonValidated source, IHeaderDictionary target)
    {
        foreach (var (name, values) in source)
        {
            if (name is "Transfer-Encoding" or "Connection")
            {
                continue;
            }

            if (values.Count == 1)
            {
                foreach (var value in values)
                {
                    target[name] = value;
                }
            }
            else
            {
                var all = new string[values.Count];
                var i = 0;
                foreach (var value in values)
                {
                    all[i++] = value;
                }

                target[name] = all;
            }
        }
    }
}
