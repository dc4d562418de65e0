namespace PyAirtable.Gateway.Routing;

/// <summary>
/// One service's instances as configured at one moment: primaries, backups, and both in order. Immutable; a reload
/// of the service list replaces the whole set, so a request reads one consistent set with one volatile read.
/// </summary>
internal sealed class UpstreamInstanceSet
{
    private UpstreamInstanceSet(string configuredUrl, UpstreamInstance[] primaries, UpstreamInstance[] backups)
    {
        ConfiguredUrl = configuredUrl;
        Primaries = primaries;
        Backups = backups;
        All = [.. primaries, .. backups];
    }

    /// <summary>The URL setting as given.</summary>
    public string ConfiguredUrl { get; }

    public UpstreamInstance[] Primaries { get; }

    public UpstreamInstance[] Backups { get; }

    /// <summary>Every instance, primaries first; an instance's <see cref="UpstreamInstance.Index"/> is its position here.</summary>
    public UpstreamInstance[] All { get; }

    /// <summary>
    /// The set for <paramref name="primaries"/> and <paramref name="backups"/>. An instance of <paramref name="previous"/>
    /// with the same base URL and role is kept, with its state (requests outstanding, probe result, circuit), so a
    /// reload that changes one URL leaves the others as they were; requests in flight keep the instance they have.
    /// </summary>
    public static UpstreamInstanceSet Create(string configuredUrl, string[] primaries, string[] backups, UpstreamInstanceSet? previous = null)
    {
        var primary = new UpstreamInstance[primaries.Length];
        for (var i = 0; i < primaries.Length; i++)
        {
            primary[i] = Take(previous, primaries[i], isBackup: false, i);
        }

        var backup = new UpstreamInstance[backups.Length];
        for (var i = 0; i < backups.Length; i++)
        {
            backup[i] = Take(previous, backups[i], isBackup: true, primaries.Length + i);
        }

        return new UpstreamInstanceSet(configuredUrl, primary, backup);
    }

    private static UpstreamInstance Take(UpstreamInstanceSet? previous, string baseUrl, bool isBackup, int index)
    {
        if (previous is not null)
        {
            foreach (var instance in previous.All)
            {
                if (instance.IsBackup == isBackup && string.Equals(instance.BaseUrl, baseUrl, StringComparison.Ordinal))
                {
                    instance.Index = index;
                    return instance;
                }
            }
        }

        return new UpstreamInstance(baseUrl, isBackup, index);
    }
}
