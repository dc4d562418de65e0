using System.Globalization;

namespace PyAirtable.Gateway.Benchmarks.Common;

/// <summary>Reads <c>--name value</c>, <c>--name=value</c> and <c>--flag</c> options; anything unknown is an error.</summary>
internal sealed class OptionReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public OptionReader(string[] args, IReadOnlySet<string> flags)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }

            var name = arg[2..];
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                _values[name[..eq]] = name[(eq + 1)..];
            }
            else if (flags.Contains(name))
            {
                _values[name] = null;
            }
            else if (i + 1 < args.Length)
            {
                _values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option '--{name}' needs a value.");
            }
        }
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var value) ? value : null;
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback)
    {
        var text = String(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ArgumentException($"Option '--{name}' expects a non-negative integer, got '{text}'.");
    }

    public double Double(string name, double fallback)
    {
        var text = String(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ArgumentException($"Option '--{name}' expects a non-negative number, got '{text}'.");
    }

    public int[] IntList(string name, int[] fallback)
    {
        var text = String(name);
        if (text is null)
        {
            return fallback;
        }

        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
            {
                throw new ArgumentException($"Option '--{name}' expects a comma-separated list of positive integers, got '{text}'.");
            }
        }

        return values.Length > 0 ? values : throw new ArgumentException($"Option '--{name}' is empty.");
    }

    /// <summary>Throws when an option was given that no one asked for (a typo should not run a 5-minute benchmark).</summary>
    public void ThrowOnUnknown()
    {
        foreach (var name in _values.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new ArgumentException($"Unknown option '--{name}'.");
            }
        }
    }
}
