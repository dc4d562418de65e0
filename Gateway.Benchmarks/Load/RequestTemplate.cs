using System.Text;

namespace PyAirtable.Gateway.Benchmarks.Load;

/// <summary>Pre-encodes the one request a load run repeats, headers and body in a single byte array.</summary>
internal static class RequestTemplate
{
    /// <summary>The API key the harness sends and configures the gateway with.</summary>
    public const string ApiKey = "bench-key";

    public static byte[] Encode(string method, string pathAndQuery, string authority, int bodyBytes)
    {
        var head = new StringBuilder(256)
            .Append(method).Append(' ').Append(pathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(authority).Append("\r\n")
            .Append("X-API-Key: ").Append(ApiKey).Append("\r\n")
            .Append("Accept: application/json\r\n")
            .Append("User-Agent: gateway-bench\r\n");
        if (bodyBytes > 0 || method is "POST" or "PUT" or "PATCH")
        {
            head.Append("Content-Type: application/octet-stream\r\n")
                .Append("Content-Length: ").Append(bodyBytes).Append("\r\n");
        }

        head.Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        var request = new byte[headBytes.Length + bodyBytes];
        headBytes.CopyTo(request, 0);
        for (var i = 0; i < bodyBytes; i++)
        {
            request[headBytes.Length + i] = (byte)('a' + (i % 26));
        }

        return request;
    }
}
