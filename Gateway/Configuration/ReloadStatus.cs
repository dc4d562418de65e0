namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// The state of one reloadable section. <paramref name="Hash"/> is a SHA-256 over the section's keys and values as
/// they were when the value in use was taken (at start or by the last good reload); <paramref name="Reloads"/>
/// counts good reloads since start. <paramref name="Rejected"/> says why the latest change was refused, or is null
/// when the configuration in use is the latest one.
/// </summary>
internal sealed record ReloadStatus(
    string Hash,
    DateTimeOffset LoadedAt,
    int Reloads,
    string? Rejected = null,
    DateTimeOffset? RejectedAt = null);
