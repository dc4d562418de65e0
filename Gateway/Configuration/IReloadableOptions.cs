namespace PyAirtable.Gateway.Configuration;

/// <summary>A reloadable options section, as an introspection endpoint lists it.</summary>
internal interface IReloadableOptions
{
    /// <summary>The configuration section the options are bound from (<c>Gateway:RateLimits</c>).</summary>
    string Section { get; }

    /// <summary>What the last reload did: when the value in use was taken, its hash, the last rejected change.</summary>
    ReloadStatus Status { get; }

    /// <summary>The section's keys and values (sorted by key) as they were when the value in use was taken: what is in force.</summary>
    IReadOnlyList<KeyValuePair<string, string?>> Settings { get; }
}
