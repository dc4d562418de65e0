namespace PyAirtable.Gateway.Dashboard;

/// <summary>The dashboard page, embedded in the assembly (<c>Dashboard/dashboard.html</c>) and read once.</summary>
internal static class DashboardPage
{
    public static readonly byte[] Bytes = Load();

    private static byte[] Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("PyAirtable.Gateway.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is missing from the assembly.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
