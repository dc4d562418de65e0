using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PyAirtable.Gateway.Configuration;

/// <summary>
/// Hands the native AOT executable's dehydrated type data back to the kernel once the gateway has started. The
/// runtime reads that data (about 5 MiB of the executable's read-only pages) once, before <c>Main</c>, to write the
/// type structures out into anonymous memory, and never again; its file pages would otherwise stay resident for the
/// life of the process. Dropped with <c>madvise(MADV_DONTNEED)</c>, a page read again is only read again from the file,
/// so the release cannot change what the process sees. Measured: docs/performance.md.
/// </summary>
/// <remarks>
/// The data is found as the runtime finds it: the executable's <c>__modules</c> section points at the module's
/// ReadyToRun header, whose section table holds the dehydrated data's start and end (section 207). Anything that does
/// not look exactly like that (a JIT process, another OS, another header version) releases nothing.
/// </remarks>
internal sealed partial class StartupDataRelease : IHostedService
{
    private const uint ReadyToRunSignature = 0x00525452; // "RTR"
    private const int DehydratedDataSection = 207;
    private const int HasEndPointer = 1;
    private const int MadvDontNeed = 4;
    private const string ModulesSection = "__modules";

    private readonly ILogger<StartupDataRelease> _logger;

    public StartupDataRelease(ILogger<StartupDataRelease> logger) => _logger = logger;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (RuntimeFeature.IsDynamicCodeSupported || !OperatingSystem.IsLinux())
        {
            return Task.CompletedTask;
        }

        try
        {
            var released = Release();
            if (released > 0)
            {
                Log.Released(_logger, released / 1024);
            }
            else
            {
                Log.NothingFound(_logger);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            Log.Failed(_logger, e);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Bytes handed back; 0 when the executable does not have the expected layout.</summary>
    private static long Release()
    {
        var executable = Environment.ProcessPath;
        if (executable is null || FindSection(executable, ModulesSection) is not { } modules || modules.Size < IntPtr.Size)
        {
            return 0;
        }

        var imageBase = FindImageBase(executable);
        if (imageBase == 0)
        {
            return 0;
        }

        var header = Marshal.ReadIntPtr(checked((nint)(imageBase + modules.Address)));
        if (header == 0 || (uint)Marshal.ReadInt32(header) != ReadyToRunSignature)
        {
            return 0;
        }

        var sections = (ushort)Marshal.ReadInt16(header, 12);
        var entrySize = Marshal.ReadByte(header, 14);
        if (entrySize < 8 + (2 * IntPtr.Size))
        {
            return 0;
        }

        for (var i = 0; i < sections; i++)
        {
            var entry = header + 16 + (i * entrySize);
            if (Marshal.ReadInt32(entry) != DehydratedDataSection || (Marshal.ReadInt32(entry, 4) & HasEndPointer) == 0)
            {
                continue;
            }

            var start = (long)Marshal.ReadIntPtr(entry, 8);
            var end = (long)Marshal.ReadIntPtr(entry, 8 + IntPtr.Size);
            var page = Environment.SystemPageSize;
            var first = (start + page - 1) & ~(long)(page - 1);
            var last = end & ~(long)(page - 1);
            if (last <= first || madvise((nint)first, (nuint)(last - first), MadvDontNeed) != 0)
            {
                return 0;
            }

            return last - first;
        }

        return 0;
    }

    /// <summary>Where the executable's first page is mapped (<c>/proc/self/maps</c>: its mapping at file offset 0).</summary>
    private static long FindImageBase(string executable)
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode path"
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 6 && parts[2] == "00000000" && parts[5] == executable)
            {
                return long.Parse(parts[0].AsSpan(0, parts[0].IndexOf('-')), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The virtual address and size of a section of a 64-bit little-endian ELF file, from its section headers.</summary>
    internal static (long Address, long Size)? FindSection(string path, string name)
    {
        using var file = File.OpenRead(path);
        Span<byte> header = stackalloc byte[64];
        if (file.Read(header) != 64 || !header[..4].SequenceEqual("\u007fELF"u8) || header[4] != 2 || header[5] != 1)
        {
            return null;
        }

        var tableOffset = BinaryPrimitives.ReadInt64LittleEndian(header[0x28..]);
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]);
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3E..]);
        if (entrySize < 64 || namesIndex >= count)
        {
            return null;
        }

        var table = new byte[entrySize * count];
        file.Position = tableOffset;
        file.ReadExactly(table);
        var names = table.AsSpan(namesIndex * entrySize);
        var namesBytes = new byte[BinaryPrimitives.ReadInt64LittleEndian(names[32..])];
        file.Position = BinaryPrimitives.ReadInt64LittleEndian(names[24..]);
        file.ReadExactly(namesBytes);

        Span<byte> wanted = stackalloc byte[name.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(name, wanted);
        wanted[^1] = 0;
        for (var i = 0; i < count; i++)
        {
            var section = table.AsSpan(i * entrySize, entrySize);
            var nameOffset = BinaryPrimitives.ReadInt32LittleEndian(section);
            if (nameOffset >= 0 && nameOffset + wanted.Length <= namesBytes.Length && namesBytes.AsSpan(nameOffset, wanted.Length).SequenceEqual(wanted))
            {
                return (BinaryPrimitives.ReadInt64LittleEndian(section[16..]), BinaryPrimitives.ReadInt64LittleEndian(section[32..]));
            }
        }

        return null;
    }

    [LibraryImport("libc")]
    private static partial int madvise(nint address, nuint length, int advice);

    private static partial class Log
    {
        [LoggerMessage(9601, LogLevel.Information, "Start-up: released {KiB} KiB of the executable's dehydrated type data (read once at start)")]
        public static partial void Released(ILogger logger, long kiB);

        [LoggerMessage(9602, LogLevel.Warning, "Start-up: the native AOT executable's dehydrated type data was not found; nothing released")]
        public static partial void NothingFound(ILogger logger);

        [LoggerMessage(9603, LogLevel.Warning, "Start-up: reading the executable's layout failed; nothing released")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
