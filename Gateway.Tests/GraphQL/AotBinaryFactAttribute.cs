namespace PyAirtable.Gateway.Tests.GraphQL;

/// <summary>
/// A fact that needs the native AOT gateway (<c>dotnet publish Gateway -c Release -r linux-x64 -o DIR</c>) at the path in
/// <c>GATEWAY_AOT_BINARY</c>; skipped, with the reason, without it (publishing takes minutes, so the suite does not).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AotBinaryFactAttribute : FactAttribute
{
    public const string Variable = "GATEWAY_AOT_BINARY";

    public AotBinaryFactAttribute()
    {
        if (Path is not { } path || !File.Exists(path))
        {
            Skip = $"{Variable} does not name a published native AOT gateway (dotnet publish Gateway -c Release -r linux-x64 -o DIR; {Variable}=DIR/Gateway).";
        }
    }

    public static string? Path => Environment.GetEnvironmentVariable(Variable);
}
