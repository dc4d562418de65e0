using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Benchmarks.Common;
using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Benchmarks.Realtime;

/// <summary>
/// <c>ws</c>: the <c>/ws</c> hub of a gateway child process. (1) Resident memory per idle authenticated connection:
/// the gateway's RSS before and after opening <c>--connections</c> sockets. (2) Fan-out latency: <c>--fanout</c>
/// connections, five per session; one streamed <c>POST /api/v2/chat</c> per session at once against an in-process fake
/// orchestrator that stamps each chunk with the monotonic clock as it writes it; each client frame's delay from that
/// stamp is recorded (same machine, same clock), p50/p99.
/// </summary>
internal static class WsCommand
{
    private const string ApiKey = "bench-key";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string>());
        var idle = int.Parse(options.String("connections") ?? "10000", CultureInfo.InvariantCulture);
        var fanout = int.Parse(options.String("fanout") ?? "1000", CultureInfo.InvariantCulture);
        var chunks = int.Parse(options.String("chunks") ?? "20", CultureInfo.InvariantCulture);
        var intervalMs = int.Parse(options.String("interval-ms") ?? "20", CultureInfo.InvariantCulture);
        var rounds = int.Parse(options.String("rounds") ?? "3", CultureInfo.InvariantCulture);
        var dll = Path.GetFullPath(options.String("gateway-dll") ?? Path.Combine(AppContext.BaseDirectory, "Gateway.dll"));

        await using var orchestrator = await StartOrchestratorAsync(chunks, intervalMs);
        var llmUrl = orchestrator.Urls.Single().TrimEnd('/');
        var port = ProxyProcess.FreePort();
        using var gateway = ProxyProcess.Start("gateway", dll, ["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string>
        {
            ["API_KEY"] = ApiKey,
            ["LLM_ORCHESTRATOR_URL"] = llmUrl,
            ["AIRTABLE_GATEWAY_URL"] = llmUrl,
            ["MCP_SERVER_URL"] = llmUrl,
            ["RATE_LIMIT_PER_MINUTE"] = "100000000",
            ["CHAT_RATE_LIMIT_PER_MINUTE"] = "100000000",
            ["Gateway__Realtime__SendQueueLength"] = "1024",
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
        }, port, cpu: null);
        await gateway.WaitReadyAsync("/", TimeSpan.FromSeconds(60), CancellationToken.None);
        var baseUri = new Uri($"http://127.0.0.1:{port}");

        // 1. Idle connections.
        await Task.Delay(2000);
        var before = gateway.ReadStats()?.RssBytes ?? 0;
        var sockets = await OpenAsync(port, idle, perSession: 1, "idle");
        await Task.Delay(3000);
        var after = gateway.ReadStats()?.RssBytes ?? 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle: {sockets.Count} authenticated connections; gateway RSS {before / 1048576.0:0.0} MiB -> {after / 1048576.0:0.0} MiB: {(after - before) / (double)Math.Max(1, sockets.Count) / 1024:0.00} KiB per connection"));
        await CloseAllAsync(sockets);
        sockets.Clear();

        // 2. Fan-out: sessions of five connections, one stream per session, all at once.
        var clients = await OpenAsync(port, fanout, perSession: 5, "fan");
        var sessions = clients.Select(static c => c.Session).Distinct().ToArray();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 10_000 }) { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(5) };
        for (var round = 0; round < rounds; round++)
        {
            var latencies = new List<double>(fanout * chunks);
            var expected = clients.Count * chunks;
            var readers = clients.Select(c => ReadStampsAsync(c, chunks, latencies)).ToArray();
            var started = Stopwatch.GetTimestamp();
            var posts = sessions.Select(session => PostAsync(http, session)).ToArray();
            await Task.WhenAll(posts);
            await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
            var elapsed = Stopwatch.GetElapsedTime(started);
            latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fan-out round {round + 1}/{rounds}: {clients.Count} connections, {sessions.Length} sessions, {chunks} chunks every {intervalMs} ms per stream: {latencies.Count}/{expected} frames in {elapsed.TotalSeconds:0.0} s; upstream chunk -> client frame p50 {Percentile(latencies, 0.50):0.00} ms, p99 {Percentile(latencies, 0.99):0.00} ms, max {latencies[^1]:0.00} ms"));
        }

        await CloseAllAsync(clients);
        return 0;
    }

    private sealed record Client(ClientWebSocket Socket, string Session);

    private static async Task<List<Client>> OpenAsync(int port, int count, int perSession, string prefix)
    {
        var clients = new List<Client>(count);
        using var gate = new SemaphoreSlim(100);
        var tasks = new List<Task<Client?>>();
        for (var i = 0; i < count; i++)
        {
            var session = $"{prefix}-{i / perSession}";
            tasks.Add(OpenOneAsync(port, session, gate));
        }

        foreach (var client in await Task.WhenAll(tasks))
        {
            if (client is not null)
            {
                clients.Add(client);
            }
        }

        return clients;
    }

    private static async Task<Client?> OpenOneAsync(int port, string session, SemaphoreSlim gate)
    {
        await gate.WaitAsync();
        try
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?session_id={session}"), CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"auth","api_key":"{{ApiKey}}"}"""), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[4096];
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None); // system_status
            return result.MessageType == WebSocketMessageType.Close ? null : new Client(socket, session);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            Console.Error.WriteLine($"connect failed: {ex.Message}");
            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task ReadStampsAsync(Client client, int chunks, List<double> latencies)
    {
        var buffer = new byte[8192];
        var seen = 0;
        while (seen < chunks)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await client.Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            var now = Stopwatch.GetTimestamp();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            if (document.RootElement.GetProperty("type").GetString() != "chat_stream")
            {
                continue;
            }

            var stamp = document.RootElement.GetProperty("data").GetProperty("t").GetInt64();
            lock (latencies)
            {
                latencies.Add((now - stamp) * 1000.0 / Stopwatch.Frequency);
            }

            seen++;
        }
    }

    private static async Task PostAsync(HttpClient http, string session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/chat")
        {
            Content = new StringContent($$"""{"messages":[{"role":"user","content":"hi"}],"session_id":"{{session}}","stream":true}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-API-Key", ApiKey);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Console.Error.WriteLine($"stream for {session}: {(int)response.StatusCode}");
        }
    }

    private static async Task CloseAllAsync(List<Client> clients)
    {
        foreach (var client in clients)
        {
            client.Socket.Abort();
            client.Socket.Dispose();
        }

        await Task.Delay(500);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<WebApplication> StartOrchestratorAsync(int chunks, int intervalMs)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/chat/stream", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.StartAsync();
            for (var i = 0; i < chunks; i++)
            {
                await Task.Delay(intervalMs);
                var line = string.Create(CultureInfo.InvariantCulture, $$"""{"delta":"x","token_count":{{i}},"is_complete":{{(i == chunks - 1 ? "true" : "false")}},"t":{{Stopwatch.GetTimestamp()}}}""") + "\n";
                await context.Response.WriteAsync(line);
                await context.Response.Body.FlushAsync();
            }
        });
        app.MapGet("/health", static () => Results.Ok());
        await app.StartAsync();
        return app;
    }
}
