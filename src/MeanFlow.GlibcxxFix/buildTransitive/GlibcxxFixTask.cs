// The MeanFlow.GlibcxxFix package's only code: a reader for the symbol-version tables of an ELF64 shared object
// and the MSBuild task that uses it to mark unused libstdc++ version needs of libLibTorchSharp.so weak in a copy.
//
// One file, compiled three ways: by RoslynCodeTaskFactory in every build that imports MeanFlow.GlibcxxFix.targets
// (<Code Source="..."/> takes a single file), by src/MeanFlow.GlibcxxFix.csproj against netstandard2.0 with warnings
// as errors (the reference set RoslynCodeTaskFactory compiles against), and by tests/MeanFlow.GlibcxxFix.Tests.
// Hence C# for netstandard 2.0: no Span, ranges, records or BinaryPrimitives.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MeanFlow.GlibcxxFix;

/// <summary>
/// Writes a copy of a native library (TorchSharp's libLibTorchSharp.so) in which the libstdc++ version needs that
/// this system's libstdc++ lacks are marked weak (VER_FLG_WEAK, one byte each), when no symbol bound to those
/// versions is defined in the library or used by a relocation. glibc then loads the copy; nothing else changes.
/// The source file is never written. Linux only; the targets do not call it elsewhere.
/// </summary>
public sealed class TorchSharpGlibcxxWeaken : Task
{
    /// <summary>The library to check, e.g. the NuGet cache's libLibTorchSharp.so.</summary>
    [Required]
    public string Source { get; set; } = "";

    /// <summary>Where the weak-marked copy goes. Deleted when no copy is needed.</summary>
    [Required]
    public string Destination { get; set; } = "";

    /// <summary>One line recording the decision: <c>patched: …</c>, <c>not-needed: …</c> or <c>unfixable: …</c>.</summary>
    [Required]
    public string StateFile { get; set; } = "";

    /// <summary>The libstdc++.so.6 to check against; empty for the one mapped into this process (MSBuild's).</summary>
    public string? LibStdCxx { get; set; }

    /// <summary>Whether a weak-marked copy was written to <see cref="Destination"/>.</summary>
    [Output]
    public bool Patched { get; set; }

    /// <summary>Checks and, where needed and safe, patches. Never fails the build: a file it cannot read is a warning.</summary>
    public override bool Execute()
    {
        try
        {
            Run();
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException || e is OverflowException)
        {
            // No state file is written, so the next build tries again.
            Log.LogWarning("TorchSharpGlibcxxFix: could not inspect or patch {0}: {1}", Source, e.Message);
        }
        return true;
    }

    private void Run()
    {
        string? libstdcxx = string.IsNullOrEmpty(LibStdCxx) ? FindLoadedLibStdCxx() : LibStdCxx;
        if (libstdcxx is null)
        {
            Log.LogWarning("TorchSharpGlibcxxFix: could not locate libstdc++.so.6; leaving {0} unchanged.", Source);
            WriteState("unknown: libstdc++ not found");
            return;
        }
        var library = ElfImage.Read(Source);
        var defined = ElfImage.Read(libstdcxx).DefinedVersions();
        var missing = library.VersionNeeds()
            .Where(n => n.File == "libstdc++.so.6" && !n.IsWeak && !defined.Contains(n.Version))
            .ToList();
        if (missing.Count == 0)
        {
            if (File.Exists(Destination)) File.Delete(Destination);
            WriteState("not-needed: " + libstdcxx + " defines every libstdc++ version needed by " + Source);
            Log.LogMessage(MessageImportance.Low, "TorchSharpGlibcxxFix: {0} satisfies {1}; nothing to do.", libstdcxx, Source);
            return;
        }

        var bound = missing.SelectMany(n => library.SymbolsBoundTo(n.Index)).ToList();
        var used = bound.Where(s => s.IsDefined || s.IsUsedByRelocation).Select(s => s.Name).ToList();
        string versions = string.Join(", ", missing.Select(n => n.Version));
        string names = string.Join(", ", bound.Select(s => s.Name));
        if (used.Count > 0)
        {
            if (File.Exists(Destination)) File.Delete(Destination);
            WriteState("unfixable: " + versions + " used by " + string.Join(", ", used));
            Log.LogWarning("TorchSharpGlibcxxFix: {0} needs {1} from libstdc++, which {2} lacks, and really uses {3}; not patching. " +
                "Run on a system with a newer libstdc++ (GCC 13.2 or later).", Source, versions, libstdcxx, string.Join(", ", used));
            return;
        }

        WriteWeakCopy(missing);
        Patched = true;
        WriteState("patched: " + versions + " marked weak (unreferenced symbols: " + names + "); libstdc++ = " + libstdcxx);
        Log.LogMessage(MessageImportance.High, "TorchSharpGlibcxxFix: {0} lacks {1}; wrote {2} with that version need marked weak (bound only to unused symbol(s) {3}).",
            libstdcxx, versions, Destination, names);
    }

    /// <summary>Copy, set VER_FLG_WEAK in each need's vna_flags, then rename: the source's inode is never written through.</summary>
    private void WriteWeakCopy(IEnumerable<ElfVersionNeed> needs)
    {
        Directory.CreateDirectory(DirectoryOf(Destination));
        string temporary = Destination + ".tmp";
        File.Copy(Source, temporary, overwrite: true);   // keeps the file mode
        using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            foreach (var need in needs)
            {
                // vna_flags is a little-endian ushort; VER_FLG_WEAK lives in its low byte.
                stream.Position = need.FlagsOffset;
                stream.WriteByte((byte)((need.Flags | ElfImage.VerFlagWeak) & 0xff));
            }
        }
        if (File.Exists(Destination)) File.Delete(Destination);
        File.Move(temporary, Destination);
    }

    private void WriteState(string text)
    {
        Directory.CreateDirectory(DirectoryOf(StateFile));
        File.WriteAllText(StateFile, text + "\n");
    }

    private static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";

    /// <summary>The libstdc++ mapped into this process (/proc/self/maps), else the first in the usual system folders.</summary>
    private static string? FindLoadedLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && Path.GetFileName(line.Substring(slash)).StartsWith("libstdc++.so.6", StringComparison.Ordinal))
                    return line.Substring(slash).Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
            if (File.Exists(candidate)) return candidate;
        return null;
    }
}

/// <summary>
/// A little-endian ELF64 shared object read into memory, with the symbol-versioning tables glibc checks at load time
/// (the GNU extension): the versions it defines (SHT_GNU_verdef), the versions it needs from each dependency
/// (SHT_GNU_verneed) and the dynamic symbols bound to a version (SHT_GNU_versym). Every read is bounds-checked, so a
/// truncated or foreign file gives <see cref="InvalidDataException"/>, never a crash.
/// </summary>
internal sealed class ElfImage
{
    internal const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
    internal const uint ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;

    /// <summary>VER_FLG_BASE: the verdef entry naming the object itself, not a version.</summary>
    internal const ushort VerFlagBase = 1;

    /// <summary>VER_FLG_WEAK: glibc tolerates a weak version need that the dependency does not define.</summary>
    internal const ushort VerFlagWeak = 2;

    private readonly byte[] _bytes;

    private ElfImage(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException(path + " is not an ELF file.");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException(path + " is not a little-endian 64-bit ELF file (class " + bytes[4] + ", data " + bytes[5] + ").");
        long table = checked((long)U64(0x28));
        int entrySize = U16(0x3A), count = U16(0x3C);
        var sections = new ElfSection[count];
        for (var i = 0; i < count; i++)
        {
            long o = checked(table + (long)i * entrySize);
            sections[i] = new ElfSection(i, U32(o + 4), checked((long)U64(o + 24)), checked((long)U64(o + 32)), (int)U32(o + 40), U32(o + 44));
        }
        Sections = sections;
    }

    /// <summary>The file this image was read from.</summary>
    internal string Path { get; }

    /// <summary>The section headers, in file order.</summary>
    internal IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>Reads a whole file.</summary>
    /// <exception cref="InvalidDataException">The file is not a little-endian ELF64 file or is truncated.</exception>
    internal static ElfImage Read(string path) => new ElfImage(path, File.ReadAllBytes(path));

    /// <summary>The version names this object defines (e.g. GLIBCXX_3.4.30), without the base entry.</summary>
    internal HashSet<string> DefinedVersions()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in Sections.Where(s => s.Type == ShtVerdef))
        {
            var strings = Linked(section);
            long entry = section.Offset;
            for (uint n = 0; n < section.Info; n++)
            {
                ushort flags = U16(entry + 2);
                uint aux = U32(entry + 12), next = U32(entry + 16);
                if ((flags & VerFlagBase) == 0)
                    names.Add(String(strings, U32(checked(entry + aux))));
                if (next == 0) break;
                entry = checked(entry + next);
            }
        }
        return names;
    }

    /// <summary>Every version this object needs, per dependency, in table order.</summary>
    internal IReadOnlyList<ElfVersionNeed> VersionNeeds()
    {
        var needs = new List<ElfVersionNeed>();
        foreach (var section in Sections.Where(s => s.Type == ShtVerneed))
        {
            var strings = Linked(section);
            long entry = section.Offset;
            for (uint n = 0; n < section.Info; n++)
            {
                ushort count = U16(entry + 2);
                string file = String(strings, U32(entry + 4));
                uint aux = U32(entry + 8), next = U32(entry + 12);
                long item = checked(entry + aux);
                for (var k = 0; k < count; k++)
                {
                    needs.Add(new ElfVersionNeed(file, String(strings, U32(item + 8)), U16(item + 6), U16(item + 4), item + 4));
                    uint itemNext = U32(item + 12);
                    if (itemNext == 0) break;
                    item = checked(item + itemNext);
                }
                if (next == 0) break;
                entry = checked(entry + next);
            }
        }
        return needs;
    }

    /// <summary>
    /// The dynamic symbols whose version index (SHT_GNU_versym) is <paramref name="versionIndex"/>, with whether
    /// each is defined here and whether any relocation (SHT_REL/SHT_RELA on the dynamic symbol table) uses it.
    /// </summary>
    internal IReadOnlyList<ElfVersionedSymbol> SymbolsBoundTo(ushort versionIndex)
    {
        var dynsym = Sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = Sections.FirstOrDefault(s => s.Type == ShtVersym);
        if (dynsym is null || versym is null)
            throw new InvalidDataException(Path + " has version needs but no dynamic symbol or version table.");
        var used = SymbolsUsedByRelocations(dynsym);
        var names = Linked(dynsym);
        var bound = new List<ElfVersionedSymbol>();
        for (long i = 1; i < dynsym.Size / 24; i++)
        {
            if ((U16(versym.Offset + 2 * i) & 0x7fff) != versionIndex) continue;
            long symbol = dynsym.Offset + 24 * i;
            bool defined = U16(symbol + 6) != 0;   // st_shndx != SHN_UNDEF
            bound.Add(new ElfVersionedSymbol(String(names, U32(symbol)), defined, used.Contains(i)));
        }
        return bound;
    }

    private HashSet<long> SymbolsUsedByRelocations(ElfSection dynsym)
    {
        var used = new HashSet<long>();
        foreach (var section in Sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsym.Index))
        {
            int size = section.Type == ShtRela ? 24 : 16;
            for (long r = section.Offset; r + size <= section.Offset + section.Size; r += size)
                used.Add((long)(U64(r + 8) >> 32));   // ELF64_R_SYM(r_info)
        }
        return used;
    }

    private ushort U16(long offset)
    {
        int o = Checked(offset, 2);
        return (ushort)(_bytes[o] | _bytes[o + 1] << 8);
    }

    private uint U32(long offset)
    {
        int o = Checked(offset, 4);
        return (uint)(_bytes[o] | _bytes[o + 1] << 8 | _bytes[o + 2] << 16 | _bytes[o + 3] << 24);
    }

    private ulong U64(long offset) => U32(offset) | (ulong)U32(offset + 4) << 32;

    /// <summary>The NUL-terminated string at <paramref name="offset"/> in string table <paramref name="table"/>.</summary>
    private string String(ElfSection table, uint offset)
    {
        int start = Checked(checked(table.Offset + offset), 1);
        int end = Array.IndexOf(_bytes, (byte)0, start);
        if (end < 0)
            throw new InvalidDataException(Path + ": unterminated string at offset " + start + ".");
        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    /// <summary>The section a header's sh_link names (the string table of a version or symbol section).</summary>
    private ElfSection Linked(ElfSection section) =>
        section.Link >= 0 && section.Link < Sections.Count
            ? Sections[section.Link]
            : throw new InvalidDataException(Path + ": section " + section.Index + " links to missing section " + section.Link + ".");

    private int Checked(long offset, int length)
    {
        if (offset < 0 || offset > _bytes.Length - length)
            throw new InvalidDataException(Path + " is truncated: a read of " + length + " byte(s) at offset " + offset +
                " is past its end (" + _bytes.Length + " bytes).");
        return (int)offset;
    }
}

/// <summary>One ELF64 section header: the fields the version tables need.</summary>
internal sealed class ElfSection
{
    internal ElfSection(int index, uint type, long offset, long size, int link, uint info)
    {
        Index = index; Type = type; Offset = offset; Size = size; Link = link; Info = info;
    }

    /// <summary>Position in the section header table.</summary>
    internal int Index { get; }

    /// <summary>sh_type (SHT_*).</summary>
    internal uint Type { get; }

    /// <summary>sh_offset: where the contents start in the file.</summary>
    internal long Offset { get; }

    /// <summary>sh_size in bytes.</summary>
    internal long Size { get; }

    /// <summary>sh_link: the associated string or symbol table.</summary>
    internal int Link { get; }

    /// <summary>sh_info: for version sections, the number of entries.</summary>
    internal uint Info { get; }
}

/// <summary>One entry of an object's version needs: "needs <see cref="Version"/> from <see cref="File"/>".</summary>
internal sealed class ElfVersionNeed
{
    internal ElfVersionNeed(string file, string version, ushort index, ushort flags, long flagsOffset)
    {
        File = file; Version = version; Index = index; Flags = flags; FlagsOffset = flagsOffset;
    }

    /// <summary>The dependency's soname, e.g. <c>libstdc++.so.6</c>.</summary>
    internal string File { get; }

    /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    internal string Version { get; }

    /// <summary>vna_other: the index that SHT_GNU_versym uses for symbols bound to this version.</summary>
    internal ushort Index { get; }

    /// <summary>vna_flags (<see cref="ElfImage.VerFlagWeak"/>).</summary>
    internal ushort Flags { get; }

    /// <summary>File offset of the two vna_flags bytes.</summary>
    internal long FlagsOffset { get; }

    /// <summary>Whether glibc tolerates the dependency not defining this version.</summary>
    internal bool IsWeak => (Flags & ElfImage.VerFlagWeak) != 0;

    /// <inheritdoc/>
    public override string ToString() => File + ":" + Version + " (index " + Index + ", flags " + Flags + " at " + FlagsOffset + ")";
}

/// <summary>A dynamic symbol bound to a needed version.</summary>
internal sealed class ElfVersionedSymbol
{
    internal ElfVersionedSymbol(string name, bool isDefined, bool isUsedByRelocation)
    {
        Name = name; IsDefined = isDefined; IsUsedByRelocation = isUsedByRelocation;
    }

    /// <summary>The (mangled) symbol name.</summary>
    internal string Name { get; }

    /// <summary>Defined in this object rather than imported.</summary>
    internal bool IsDefined { get; }

    /// <summary>Some dynamic relocation refers to it, so the loader must resolve it.</summary>
    internal bool IsUsedByRelocation { get; }

    /// <inheritdoc/>
    public override string ToString() => Name + (IsDefined ? " defined" : "") + (IsUsedByRelocation ? " relocated" : "");
}
