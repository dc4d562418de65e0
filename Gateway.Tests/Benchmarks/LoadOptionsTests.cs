using PyAirtable.Gateway.Benchmarks.Load;

namespace PyAirtable.Gateway.Tests.Benchmarks;

/// <summary>The <c>load</c> command's options: the documented defaults, and a clear error for every bad value.</summary>
public sealed class LoadOptionsTests
{
    [Fact]
    public void Parse_NoArguments_DocumentedDefaults()
    {
        var options = LoadOptions.Parse([]);

        Assert.Equal(10, options.DurationSeconds);
        Assert.Equal(30, options.WarmupSeconds);
        Assert.Equal(3, options.Rounds);
        Assert.Equal([1, 32], options.Connections);
        Assert.True(options.Closed);
        Assert.False(options.Open);
        Assert.Equal(["direct", "gateway", "yarp"], options.Targets);
        Assert.Equal("GET", options.Method);
        Assert.Equal("/bench/json?size=1024", options.UpstreamPath);
        Assert.Equal("100000", options.Gen0Size);
        Assert.Equal("8000000", options.HarnessGen0Size);
        // As shipped: the gateway with its own logging configuration (access log on), the baselines quiet.
        Assert.Equal("default", options.GatewayLogLevel);
        Assert.Equal("Warning", options.ProxyLogLevel);
        Assert.False(options.Pin);
        Assert.True(options.HarnessInline);
        Assert.False(options.BaselineInline);
    }

    [Fact]
    public void Parse_Quick_ShortRun()
    {
        var options = LoadOptions.Parse(["--quick"]);

        Assert.True(options.Quick);
        Assert.Equal(1, options.DurationSeconds);
        Assert.Equal(1, options.WarmupSeconds);
        Assert.Equal(1, options.Rounds);
        Assert.Equal([1, 16], options.Connections);
    }

    [Fact]
    public void Parse_RateAlone_OpenLoop()
    {
        var options = LoadOptions.Parse(["--rate", "500"]);

        Assert.True(options.Open);
        Assert.False(options.Closed);
        Assert.Equal(500, options.Rate);
    }

    [Fact]
    public void Parse_BodyAndBothSpellings_PostEcho()
    {
        var options = LoadOptions.Parse(["--body=65536", "--mode", "both", "--targets", "gateway, floor", "--gen0size", "none", "--harness-scheduling", "pool", "--harness-gen0size", "none"]);

        Assert.Equal("POST", options.Method);
        Assert.Equal("/bench/echo", options.UpstreamPath);
        Assert.True(options.Open && options.Closed);
        Assert.Equal(["gateway", "floor"], options.Targets);
        Assert.Null(options.Gen0Size);
        Assert.Null(options.HarnessGen0Size);
        Assert.False(options.HarnessInline);
    }

    [Fact]
    public void Parse_Gateway2Target_SecondBuildInTheSameRun()
    {
        var options = LoadOptions.Parse(["--targets", "gateway,gateway2,yarp", "--gateway2-dll", "other/Gateway"]);

        Assert.Equal(["gateway", "gateway2", "yarp"], options.Targets);
        Assert.Equal(Path.GetFullPath("other/Gateway"), options.Gateway2Dll);
        Assert.Null(LoadOptions.Parse([]).Gateway2Dll);
    }

    [Theory]
    [InlineData("Unknown option '--durations'", "--durations", "5")]
    [InlineData("The gateway2 target needs --gateway2-dll PATH", "--targets", "gateway,gateway2")]
    [InlineData("Unknown target 'nginx'", "--targets", "nginx")]
    [InlineData("--mode expects closed, open or both", "--mode", "fast")]
    [InlineData("--duration must be in (0, 600]", "--duration", "0")]
    [InlineData("'--duration' expects a non-negative number, got 'ten'", "--duration", "ten")]
    [InlineData("'--connections' expects a comma-separated list of positive integers", "--connections", "1,0")]
    [InlineData("--connections: at most 4096", "--connections", "5000")]
    [InlineData("--rounds must be between 1 and 100, got 0", "--rounds", "0")]
    [InlineData("--rounds must be between 1 and 100, got 101", "--rounds", "101")]
    [InlineData("--instances must be between 1 and 8", "--instances", "9")]
    [InlineData("--dead-instances at most 8", "--dead-instances", "12")]
    [InlineData("--payload must be between 2 and", "--payload", "1")]
    [InlineData("--body at most 67108864, got 1024 and 67108865", "--body", "67108865")]
    [InlineData("--warmup-curve-seconds must be between 3 and 600, got 1", "--warmup-curve-seconds", "1")]
    [InlineData("--path must start with '/'", "--path", "bench/json")]
    [InlineData("--rate must be positive", "--mode", "open", "--rate", "0")]
    [InlineData("--gen0size '2MiB' is not a hexadecimal byte count", "--gen0size", "2MiB")]
    [InlineData("--harness-gen0size '0' is not a hexadecimal byte count", "--harness-gen0size", "0")]
    [InlineData("--harness-scheduling expects inline or pool, got 'threads'", "--harness-scheduling", "threads")]
    [InlineData("Unexpected argument 'quick'", "quick")]
    public void Parse_BadValue_ErrorNamesTheOption(string message, params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(args));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OptionWithoutValue_SaysItNeedsOne()
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--duration"]));

        Assert.Equal("Option '--duration' needs a value.", error.Message);
    }
}
