using BenchmarkDotNet.Running;

namespace PyAirtable.Gateway.Benchmarks.Micro;

/// <summary><c>micro</c>: hands the remaining arguments to BenchmarkDotNet's switcher.</summary>
internal static class MicroCommand
{
    public static int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
