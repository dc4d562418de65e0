using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Https;

/// <summary>
/// The gateway with only an HTTPS endpoint on 127.0.0.1:0, set up with Kestrel's standard settings and a self-signed
/// certificate made for the test (a PFX file with a password, as an operator would mount one).
/// </summary>
internal sealed class HttpsGateway : IAsyncDisposable
{
    public const string Password = "test-pfx-password";

    private readonly string _folder;

    private HttpsGateway(WebApplication app, int port, string folder, string thumbprint)
    {
        App = app;
        Port = port;
        _folder = folder;
        Thumbprint = thumbprint;
    }

    public WebApplication App { get; }

    public int Port { get; }

    public string Thumbprint { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    /// <summary>Writes a self-signed certificate for 127.0.0.1 and localhost to <paramref name="path"/> as a PFX; returns its thumbprint.</summary>
    public static string WriteCertificate(string path)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return certificate.Thumbprint;
    }

    /// <summary>The settings of an HTTPS endpoint with the certificate at <paramref name="certificatePath"/>.</summary>
    public static Dictionary<string, string?> EndpointSettings(string certificatePath) => new()
    {
        ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
        ["Kestrel:Endpoints:Https:Certificate:Path"] = certificatePath,
        ["Kestrel:Endpoints:Https:Certificate:Password"] = Password,
    };

    public static async Task<HttpsGateway> StartAsync(string? airtable = null, string? llm = null, string? mcp = null, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var folder = Directory.CreateTempSubdirectory("gateway-https-").FullName;
        var certificate = Path.Combine(folder, "gateway.pfx");
        var thumbprint = WriteCertificate(certificate);
        var settings = GatewayHost.DefaultSettings(airtable, llm, mcp);
        foreach (var (key, value) in EndpointSettings(certificate))
        {
            settings[key] = value;
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        // Only the configured endpoint: --urls would add a plain one.
        var app = Program.CreateApp([.. GatewayHost.Arguments(settings).Where(a => !a.StartsWith("--urls=", StringComparison.Ordinal))]);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        Assert.Equal("https", address.Scheme);
        return new HttpsGateway(app, address.Port, folder, thumbprint);
    }

    /// <summary>A handler that trusts exactly this gateway's certificate.</summary>
    public SocketsHttpHandler CreateHandler(params string[] alpn)
    {
        var thumbprint = Thumbprint;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && string.Equals(certificate.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase),
            },
        };
        if (alpn.Length > 0)
        {
            handler.SslOptions.ApplicationProtocols = [.. alpn.Select(p => new SslApplicationProtocol(p))];
        }

        return handler;
    }

    /// <summary>A client that speaks HTTP/2 only (no fallback to HTTP/1.1).</summary>
    public HttpClient CreateHttp2Client() => new(CreateHandler())
    {
        BaseAddress = BaseAddress,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
