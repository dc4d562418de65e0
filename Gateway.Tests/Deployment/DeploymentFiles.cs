using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PyAirtable.Gateway.Tests.Deployment;

/// <summary>
/// Reads the repository's deployment files as they are checked in: the Kubernetes objects a
/// kustomization pulls in (its resources and components, recursively), the ConfigMap data its
/// generators produce, and the Dockerfile's instructions. Only the kustomize features the
/// manifests use are understood; `kubectl kustomize` itself is run by a separate test.
/// </summary>
internal static partial class DeploymentFiles
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder holding PyAirtableGateway.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    public static string PathOf(params string[] parts) => Path.Combine([RepositoryRoot, .. parts]);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PyAirtableGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above {AppContext.BaseDirectory} contains PyAirtableGateway.sln.");
    }

    // ------------------------------------------------------------------ YAML

    /// <summary>Every document of a YAML file or string, as mappings (empty documents skipped).</summary>
    public static IReadOnlyList<YamlMappingNode> ParseDocuments(TextReader reader)
    {
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    public static IReadOnlyList<YamlMappingNode> LoadYaml(string path)
    {
        using var reader = File.OpenText(path);
        return ParseDocuments(reader);
    }

    /// <summary>The node at a path of mapping keys, or null when any step is missing.</summary>
    public static YamlNode? At(this YamlNode? node, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? Text(this YamlNode? node, params string[] keys) => (node.At(keys) as YamlScalarNode)?.Value;

    public static int? Number(this YamlNode? node, params string[] keys) =>
        int.TryParse(node.Text(keys), out var value) ? value : null;

    public static IReadOnlyList<YamlNode> Items(this YamlNode? node, params string[] keys) =>
        node.At(keys) is YamlSequenceNode seq ? [.. seq.Children] : [];

    public static IReadOnlyDictionary<string, string> Pairs(this YamlNode? node, params string[] keys) =>
        node.At(keys) is YamlMappingNode map
            ? map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    public static string Kind(this YamlMappingNode obj) => obj.Text("kind") ?? "";

    public static string Name(this YamlMappingNode obj) => obj.Text("metadata", "name") ?? "";

    // ------------------------------------------------------------- kustomize

    /// <summary>What a kustomization folder produces, before kustomize's own transformations.</summary>
    internal sealed record Kustomization(
        IReadOnlyList<YamlMappingNode> Objects,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GeneratedConfigMaps,
        IReadOnlyList<string> Files)
    {
        public YamlMappingNode Single(string kind, string name) =>
            Objects.Single(o => o.Kind() == kind && o.Name() == name);

        public IEnumerable<YamlMappingNode> OfKind(string kind) => Objects.Where(o => o.Kind() == kind);
    }

    /// <summary>Follows resources and components of the kustomization in <paramref name="folder"/>.</summary>
    public static Kustomization LoadKustomization(string folder)
    {
        var objects = new List<YamlMappingNode>();
        var configMaps = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var files = new List<string>();
        Collect(Path.GetFullPath(folder), objects, configMaps, files);
        return new Kustomization(
            objects,
            configMaps.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, string>)kv.Value, StringComparer.Ordinal),
            files);
    }

    private static void Collect(
        string folder,
        List<YamlMappingNode> objects,
        Dictionary<string, Dictionary<string, string>> configMaps,
        List<string> files)
    {
        var kustomizationFile = Path.Combine(folder, "kustomization.yaml");
        var kustomization = LoadYaml(kustomizationFile).Single();
        files.Add(kustomizationFile);

        foreach (var entry in kustomization.Items("resources").Concat(kustomization.Items("components")))
        {
            var path = Path.GetFullPath(Path.Combine(folder, ((YamlScalarNode)entry).Value!));
            if (Directory.Exists(path))
            {
                Collect(path, objects, configMaps, files);
            }
            else
            {
                objects.AddRange(LoadYaml(path));
                files.Add(path);
            }
        }

        foreach (var generator in kustomization.Items("configMapGenerator"))
        {
            var name = generator.Text("name")!;
            var behavior = generator.Text("behavior") ?? "create";
            if (behavior == "create" || !configMaps.TryGetValue(name, out var data))
            {
                data = new Dictionary<string, string>(StringComparer.Ordinal);
                configMaps[name] = data;
            }
            else if (behavior == "replace")
            {
                data.Clear();
            }

            foreach (var envFile in generator.Items("envs"))
            {
                var path = Path.Combine(folder, ((YamlScalarNode)envFile).Value!);
                files.Add(path);
                foreach (var (key, value) in ReadEnvFile(File.ReadAllLines(path)))
                {
                    data[key] = value;
                }
            }

            foreach (var (key, value) in ReadEnvFile(generator.Items("literals").Select(l => ((YamlScalarNode)l).Value!)))
            {
                data[key] = value;
            }
        }
    }

    /// <summary>KEY=value lines as kustomize reads them: blank lines and # comments skipped.</summary>
    public static IEnumerable<(string Key, string Value)> ReadEnvFile(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            yield return eq < 0 ? (line, "") : (line[..eq], line[(eq + 1)..]);
        }
    }

    // ------------------------------------------------------------ Dockerfile

    /// <summary>One Dockerfile instruction: upper-case keyword, arguments with continuations joined.</summary>
    internal sealed record Instruction(string Keyword, string Arguments);

    /// <summary>The Dockerfile's instructions grouped by stage (everything before the first FROM is stage "global").</summary>
    public static IReadOnlyList<IReadOnlyList<Instruction>> ReadDockerfileStages(string path)
    {
        var stages = new List<List<Instruction>> { new() };
        var logical = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#'))
            {
                continue; // comments, parser directives, and comments inside a continued instruction
            }

            if (line.EndsWith('\\'))
            {
                logical += line[..^1] + " ";
                continue;
            }

            logical += line;
            if (logical.Trim().Length > 0)
            {
                var text = logical.Trim();
                var space = text.IndexOfAny([' ', '\t']);
                var instruction = new Instruction(
                    (space < 0 ? text : text[..space]).ToUpperInvariant(),
                    space < 0 ? "" : text[(space + 1)..].Trim());
                if (instruction.Keyword == "FROM")
                {
                    stages.Add([]);
                }

                stages[^1].Add(instruction);
            }

            logical = "";
        }

        return stages;
    }

    /// <summary>NAME=value pairs of an ENV or ARG instruction (the values used here hold no spaces).</summary>
    public static IEnumerable<(string Name, string Value)> Assignments(Instruction instruction)
    {
        var parts = WhitespaceRegex().Split(instruction.Arguments.Trim());
        if (parts.Length == 2 && !parts[0].Contains('=', StringComparison.Ordinal))
        {
            yield return (parts[0], parts[1]); // legacy "ENV NAME value"
            yield break;
        }

        foreach (var part in parts)
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            yield return eq < 0 ? (part, "") : (part[..eq], part[(eq + 1)..].Trim('"'));
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();

    // --------------------------------------------------------------- kubectl

    /// <summary>The kubectl executable on PATH, or null.</summary>
    public static string? FindKubectl()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in OperatingSystem.IsWindows() ? new[] { "kubectl.exe" } : ["kubectl"])
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Runs `kubectl kustomize folder` and returns the rendered objects; fails the test on error.</summary>
    public static async Task<IReadOnlyList<YamlMappingNode>> KustomizeAsync(string folder)
    {
        var kubectl = FindKubectl() ?? throw new InvalidOperationException("kubectl is not on PATH.");
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(folder);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl kustomize {folder} did not finish within 60 s.");
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {folder} exited {process.ExitCode}: {await stderr}");
        using var reader = new StringReader(output);
        return ParseDocuments(reader);
    }
}
