using System.Runtime.InteropServices;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>
/// A gateway configuration file in a fresh temporary folder. <see cref="Write"/> replaces it atomically (written
/// beside it, then renamed over it), so the gateway never reads half a file; <see cref="ConfigMapStyle"/> lays it out
/// the way a Kubernetes ConfigMap volume does, where an update swaps a symbolic link to a new folder.
/// </summary>
internal sealed class ConfigFile : IDisposable
{
    private readonly string _folder;
    private readonly bool _configMap;
    private int _version;

    private ConfigFile(bool configMap)
    {
        _folder = Directory.CreateTempSubdirectory("gateway-config-").FullName;
        _configMap = configMap;
        Path = System.IO.Path.Combine(_folder, "gateway.json");
    }

    public string Path { get; }

    public static ConfigFile Create(string content)
    {
        var file = new ConfigFile(configMap: false);
        file.Write(content);
        return file;
    }

    /// <summary><c>gateway.json -&gt; ..data/gateway.json</c>, <c>..data -&gt; ..v1</c>, as the kubelet writes a ConfigMap volume.</summary>
    public static ConfigFile ConfigMapStyle(string content)
    {
        var file = new ConfigFile(configMap: true);
        file.Write(content);
        File.CreateSymbolicLink(file.Path, System.IO.Path.Combine("..data", "gateway.json"));
        return file;
    }

    public void Write(string content)
    {
        _version++;
        if (_configMap)
        {
            var version = System.IO.Path.Combine(_folder, $"..v{_version}");
            Directory.CreateDirectory(version);
            File.WriteAllText(System.IO.Path.Combine(version, "gateway.json"), content);
            var link = System.IO.Path.Combine(_folder, "..data_tmp");
            File.CreateSymbolicLink(link, $"..v{_version}");
            // rename(2) replaces the old link atomically; File.Move refuses a link to a folder.
            if (NativeMethods.rename(link, System.IO.Path.Combine(_folder, "..data")) != 0)
            {
                throw new IOException($"rename failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return;
        }

        var staged = Path + ".tmp";
        File.WriteAllText(staged, content);
        File.Move(staged, Path, overwrite: true);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA1707, IDE1006 // the C library's name
        public static extern int rename(string oldPath, string newPath);
#pragma warning restore CA1707, IDE1006
    }
}
