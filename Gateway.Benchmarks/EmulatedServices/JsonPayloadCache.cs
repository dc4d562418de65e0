using System.Collections.Concurrent;
using System.Text;

namespace PyAirtable.Gateway.Benchmarks.EmulatedServices;

/// <summary>Precomputed JSON documents of an exact byte size, built once per size.</summary>
internal static class JsonPayloadCache
{
    /// <summary>Default size of <c>GET /bench/json</c>.</summary>
    public const int DefaultSize = 1024;

    /// <summary>Largest size served (64 MiB); bigger requests are clamped.</summary>
    public const int MaxSize = 64 * 1024 * 1024;

    private const int MaxCachedSizes = 64;
    private static readonly ConcurrentDictionary<int, byte[]> Cache = new();
    private static readonly byte[] Default = Build(DefaultSize);

    public static byte[] Get(int size)
    {
        if (size == DefaultSize)
        {
            return Default;
        }

        size = Math.Clamp(size, 2, MaxSize);
        if (Cache.TryGetValue(size, out var cached))
        {
            return cached;
        }

        var built = Build(size);
        if (Cache.Count < MaxCachedSizes)
        {
            Cache.TryAdd(size, built);
        }

        return built;
    }

    /// <summary>A JSON object of records padded with a filler string to exactly <paramref name="size"/> bytes.</summary>
    public static byte[] Build(int size)
    {
        if (size < 16)
        {
            return Encoding.ASCII.GetBytes("{}".PadRight(size, ' '));
        }

        var sb = new StringBuilder(size);
        sb.Append("{\"records\":[");
        var i = 0;
        while (true)
        {
            var record = $$$"""{"id":"rec{{{i:D8}}}","fields":{"Name":"Row {{{i}}}","Status":"Todo"}}""";
            // Keep room for the record, the filler member and the closing brackets.
            if (sb.Length + record.Length + 1 + 16 > size)
            {
                break;
            }

            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(record);
            i++;
        }

        sb.Append("],\"pad\":\"");
        var filler = size - sb.Length - 2;
        sb.Append('x', Math.Max(0, filler));
        sb.Append("\"}");
        var bytes = Encoding.ASCII.GetBytes(sb.ToString());
        return bytes.Length == size ? bytes : Encoding.ASCII.GetBytes("{}".PadRight(size, ' '));
    }
}
