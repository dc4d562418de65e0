using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Resilience;

/// <summary>
/// A real gateway process: on SIGTERM not ready at once, streams in flight finish, exit code 0; and what only a process
/// of its own can show: its sockets run with inline completions, and starting writes nothing and loads no XML or QUIC.
/// </summary>
public sealed partial class GracefulShutdownTests
{
    [Fact]
    public async Task Sigterm_DuringSseStream_StreamCompletes_NotReady_ExitsZero()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await FakeUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: first\n\n");
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("data: last\n\n");
        });

        using var gateway = StartProcess(llm.Url, drainSeconds: 20);
        try
        {
            var port = await ListeningPortAsync(gateway);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
            using var request = GatewayHost.Request(HttpMethod.Post, "/api/chat", json: """{"message":"hi"}""");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var reader = new StreamReader(stream, Encoding.UTF8);
            Assert.Equal("data: first", await reader.ReadLineAsync().WaitAsync(Timeouts.Signal));

            using (var kill = Process.Start("kill", ["-TERM", gateway.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().WithTimeout();
            }

            await WaitForNotReadyAsync(port);
            Assert.False(gateway.HasExited, "the gateway exited while a stream was in flight");

            release.SetResult();
            var rest = await reader.ReadToEndAsync().WaitAsync(Timeouts.Signal);
            Assert.Contains("data: last", rest, StringComparison.Ordinal);

            await gateway.WaitForExitAsync().WithTimeout();
            Assert.Equal(0, gateway.ExitCode);
        }
        finally
        {
            if (!gateway.HasExited)
            {
                gateway.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>After SIGTERM, <c>/readyz</c> answers 503 or the listener no longer takes the connection.</summary>
    private static async Task WaitForNotReadyAsync(int port)
    {
        var deadline = DateTime.UtcNow + Timeouts.Signal;
        while (true)
        {
            try
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                using var ready = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
                if (ready.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    return;
                }
            }
            catch (HttpRequestException ex) when (ListenerGone(ex))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "/readyz still answered 200 after SIGTERM");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The listener has stopped: the connection is refused, or it was still in the accept backlog when the listener
    /// closed and is reset.
    /// </summary>
    private static bool ListenerGone(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset })
            {
                return true;
            }
        }

        return exception is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded };
    }

    [Fact]
    public async Task GatewayProcess_SocketCompletionsInline_OneEventThreadPerCore()
    {
        await using var llm = await FakeUpstream.StartAsync();
        using var gateway = StartProcess(llm.Url, drainSeconds: 1);
        try
        {
            var port = await ListeningPortAsync(gateway);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var response = await client.SendAsync(GatewayHost.Request(HttpMethod.Get, "/api/tools")).WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            // The runtime starts one socket event thread per core with inline completions, one per 30 cores without.
            var engines = Directory.GetDirectories($"/proc/{gateway.Id}/task")
                .Count(static task => ThreadName(task) == ".NET Sockets");
            Assert.Equal(Environment.ProcessorCount, engines);
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task GatewayProcess_Start_WritesNoKeyRing_LoadsNoXmlOrQuic()
    {
        await using var llm = await FakeUpstream.StartAsync();
        var home = Directory.CreateTempSubdirectory("gateway-home-");
        var output = new ConcurrentQueue<string>();
        using var gateway = StartProcess(llm.Url, drainSeconds: 1, home.FullName);
        try
        {
            var port = await ListeningPortAsync(gateway, output);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var response = await client.SendAsync(GatewayHost.Request(HttpMethod.Get, "/api/tools")).WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            // Nothing written to the home directory (the framework's key ring would go to ~/.aspnet) and no warning
            // about keys; the XML stack and QUIC, which only those would need, are not even mapped.
            Assert.Empty(home.EnumerateFileSystemInfos());
            Assert.DoesNotContain(output, static line => line.Contains("DataProtection", StringComparison.Ordinal));
            var maps = await File.ReadAllTextAsync($"/proc/{gateway.Id}/maps");
            Assert.Contains("System.Private.CoreLib.dll", maps, StringComparison.Ordinal);
            Assert.DoesNotContain("System.Private.Xml.dll", maps, StringComparison.Ordinal);
            Assert.DoesNotContain("System.Net.Quic.dll", maps, StringComparison.Ordinal);
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            home.Delete(recursive: true);
        }
    }

    private static Process StartProcess(string llmUrl, int drainSeconds, string? home = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["API_KEY"] = GatewayHost.ApiKey,
            ["LLM_ORCHESTRATOR_URL"] = llmUrl,
            ["AIRTABLE_GATEWAY_URL"] = Ports.RefusingUrl(),
            ["MCP_SERVER_URL"] = Ports.RefusingUrl(),
            ["DRAIN_TIMEOUT"] = drainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (home is not null)
        {
            settings["HOME"] = home;
        }

        return GatewayProcess.Start(settings);
    }

    private static Task<int> ListeningPortAsync(Process process, ConcurrentQueue<string>? lines = null) => GatewayProcess.ListeningPortAsync(process, lines);

    private static string ThreadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).Trim();
        }
        catch (IOException)
        {
            return ""; // the thread ended meanwhile
        }
    }
}
