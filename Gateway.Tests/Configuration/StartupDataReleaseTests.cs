using System.Net;
using System.Text.RegularExpressions;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Tests.GraphQL;
using PyAirtable.Gateway.Tests.Infrastructure;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>
/// The native AOT executable hands its dehydrated type data back after start and goes on serving; the ELF section
/// lookup it relies on reads real executables and refuses anything else.
/// </summary>
public sealed partial class StartupDataReleaseTests
{
    [Fact]
    public void FindSection_ElfExecutable_FindsItsSections()
    {
        var host = Environment.ProcessPath!; // the dotnet host or testhost: a 64-bit ELF executable

        var text = StartupDataRelease.FindSection(host, ".text");

        Assert.NotNull(text);
        Assert.True(text.Value.Address > 0 && text.Value.Size > 0, $"{text}");
        Assert.Null(StartupDataRelease.FindSection(host, "__no_such_section"));
    }

    [Fact]
    public void FindSection_NotElf_Null()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "#!/bin/sh\necho not an executable image, only text long enough to fill an ELF header's 64 bytes\n");

            Assert.Null(StartupDataRelease.FindSection(path, ".text"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [AotBinaryFact]
    public async Task NativeAot_ReleasesDehydratedDataAndServes()
    {
        await using var upstream = await FakeUpstream.StartAsync((context, _) => FakeUpstream.WriteAsync(context, 200, """{"ok":true}"""u8.ToArray(), "application/json"));
        var released = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string line)
        {
            if (ReleasedLine().Match(line) is { Success: true } match)
            {
                released.TrySetResult(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (line.Contains("nothing released", StringComparison.Ordinal))
            {
                released.TrySetResult(0);
            }
            else if (line.Contains("Now listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        await using var gateway = AotGatewayProcess.Start(
            new Dictionary<string, string> { ["AIRTABLE_GATEWAY_URL"] = upstream.Url, ["LLM_ORCHESTRATOR_URL"] = upstream.Url, ["MCP_SERVER_URL"] = upstream.Url },
            Read);

        // The runtime's type data of this executable is several MiB; a release of less means the layout was not found.
        Assert.True(await released.Task.WithTimeout() > 1024, $"released under 1 MiB:\n{gateway.Output}");
        await listening.Task.WithTimeout();

        using var client = gateway.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync($"/api/airtable/bases/app{i}/tables");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"ok":true}""", await response.Content.ReadAsStringAsync());
        }
    }

    [GeneratedRegex(@"released (\d+) KiB of the executable's dehydrated type data")]
    private static partial Regex ReleasedLine();
}
