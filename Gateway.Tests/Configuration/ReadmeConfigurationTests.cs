using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using PyAirtable.Gateway.Configuration;
using PyAirtable.Gateway.Tests.Deployment;

namespace PyAirtable.Gateway.Tests.Configuration;

/// <summary>
/// The README's configuration tables against the code: every flat variable the gateway reads is listed, every listed
/// name is one the gateway reads, and every default shown is the options class's initial value.
/// </summary>
public sealed partial class ReadmeConfigurationTests
{
    /// <summary>One name of a table row and the default the README gives it ("none" or "—" for no value).</summary>
    private sealed record Row(string Name, string Default);

    public static TheoryData<string, string> Rows()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in ReadRows())
        {
            data.Add(row.Name, row.Default);
        }

        return data;
    }

    [Fact]
    public void ConfigurationTable_ListsEveryFlatVariable()
    {
        var listed = ReadRows().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);

        var missing = FlatEnvironmentNames.Map.Keys.Where(name => !listed.Contains(name)).ToList();

        Assert.True(missing.Count == 0, "Not in the README's configuration table: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void ConfigurationTable_NameReadByTheGateway_DefaultAsInTheCode(string name, string readmeDefault)
    {
        if (name == "ASPNETCORE_URLS")
        {
            Assert.Equal(HostingExtensions.DefaultUrl, readmeDefault);
            return;
        }

        var key = IsFlat(name)
            ? FlatEnvironmentNames.Map.TryGetValue(name, out var mapped) ? mapped : throw new Xunit.Sdk.XunitException($"{name} is not a flat name the gateway reads")
            : name;

        if (!TryDefault(key, out var value))
        {
            // No options class holds it: the key must be read by name somewhere in the gateway.
            Assert.True(GatewaySource.Value.Contains($"\"{key}\"", StringComparison.Ordinal), $"{name}: no options property and no literal \"{key}\" in Gateway/");
            return;
        }

        Assert.Equal(readmeDefault, Describe(value));
    }

    private static bool IsFlat(string name) => FlatName().IsMatch(name);

    /// <summary>The initial value of the options property at <paramref name="key"/>, when an options class holds it.</summary>
    private static bool TryDefault(string key, out object? value)
    {
        value = null;
        var section = OptionsSections.Value
            .Where(s => key.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Section.Length)
            .FirstOrDefault();
        if (section.Type is null)
        {
            return false;
        }

        object? current = Activator.CreateInstance(section.Type, nonPublic: true);
        foreach (var segment in key[(section.Section.Length + 1)..].Split(':'))
        {
            var property = current?.GetType().GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.True(property is not null, $"{key}: {current?.GetType().Name} has no property {segment}");
            current = property.GetValue(current);
        }

        value = current;
        return true;
    }

    private static string Describe(object? value) => value switch
    {
        null => "none",
        string { Length: 0 } => "none",
        string s => s,
        bool b => b ? "true" : "false",
        IDictionary { Count: 0 } => "—",
        Array { Length: 0 } => "[]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "none",
    };

    /// <summary>The rows of the tables under the README's "Configuration" heading, one per name.</summary>
    private static List<Row> ReadRows()
    {
        var text = File.ReadAllText(DeploymentFiles.PathOf("README.md"));
        var start = text.IndexOf("\n## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no Configuration section");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];

        var rows = new List<Row>();
        foreach (var line in section.Split('\n'))
        {
            if (!line.StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Split('|');
            var names = Code().Matches(cells[1]).Select(m => m.Groups[1].Value).Where(n => !n.StartsWith("--", StringComparison.Ordinal)).ToList();
            var defaults = Code().Matches(cells[2]).Select(m => m.Groups[1].Value).ToList();
            var plain = cells[2].Trim();
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i];
                if (!name.Contains(':', StringComparison.Ordinal) && !IsFlat(name))
                {
                    // "`Gateway:Retry:BudgetPercent` / `MinRetriesPerSecond`": a sibling of the first key.
                    name = names[0][..(names[0].LastIndexOf(':') + 1)] + name;
                }

                // "`Gateway:Forwarding:RouteTimeoutSeconds:{route}`": the dictionary a placeholder keys.
                var placeholder = name.LastIndexOf(":{", StringComparison.Ordinal);
                name = placeholder >= 0 && name.EndsWith('}') ? name[..placeholder] : name;
                var value = defaults.Count == names.Count ? defaults[i] : defaults.Count == 1 ? defaults[0] : plain;
                rows.Add(new Row(name, value));
            }
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    private static readonly Lazy<(string Section, Type Type)[]> OptionsSections = new(() =>
    [
        .. typeof(Program).Assembly.GetTypes()
            .Select(t => (Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static), Type: t))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type)),
    ]);

    private static readonly Lazy<string> GatewaySource = new(() => string.Concat(
        Directory.EnumerateFiles(DeploymentFiles.PathOf("Gateway"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)));

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex("^[A-Z][A-Z0-9_]+$")]
    private static partial Regex FlatName();
}
