namespace PyAirtable.Gateway.Tests.Dashboard;

/// <summary>A fact that needs Debian's Chromium at <see cref="ExecutablePath"/>; skipped, with the reason, without it.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath))
        {
            Skip = $"{ExecutablePath} is missing: install the 'chromium' Debian package (.ci/run does, from .ci/apt-packages.txt).";
        }
    }
}
