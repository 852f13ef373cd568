using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MeanFlow.Runtime;

/// <summary>
/// A little-endian ELF64 shared object (x86-64 or arm64 Linux) read into memory: its section headers and the
/// primitive reads that the version tables (<see cref="ElfImage"/>'s other part) are built on. Every read is
/// bounds-checked, so a truncated or foreign file gives <see cref="InvalidDataException"/>, never a crash.
/// </summary>
internal sealed partial class ElfImage
{
    internal const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
    internal const uint ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;

    private readonly byte[] _bytes;

    private ElfImage(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"{path} is not an ELF file.");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException($"{path} is not a little-endian 64-bit ELF file (class {bytes[4]}, data {bytes[5]}).");
        long tableOffset = (long)U64(0x28);
        int entrySize = U16(0x3A), count = U16(0x3C);
        var sections = new ElfSection[count];
        for (var i = 0; i < count; i++)
        {
            long o = checked(tableOffset + (long)i * entrySize);
            sections[i] = new ElfSection(i, U32(o + 4), (long)U64(o + 24), (long)U64(o + 32), (int)U32(o + 40), U32(o + 44));
        }
        Sections = sections;
    }

    /// <summary>The file this image was read from.</summary>
    internal string Path { get; }

    /// <summary>The section headers, in file order.</summary>
    internal IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>Reads a whole file.</summary>
    /// <exception cref="InvalidDataException">The file is not a little-endian ELF64 file or is truncated.</exception>
    internal static ElfImage Read(string path) => new(path, File.ReadAllBytes(path));

    internal ushort U16(long offset) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(offset, 2));

    internal uint U32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(offset, 4));

    internal ulong U64(long offset) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(offset, 8));

    /// <summary>The NUL-terminated string at <paramref name="offset"/> in string table <paramref name="table"/>.</summary>
    internal string String(ElfSection table, uint offset)
    {
        long start = checked(table.Offset + offset);
        Slice(start, 1);
        int end = Array.IndexOf(_bytes, (byte)0, (int)start);
        if (end < 0)
            throw new InvalidDataException($"{Path}: unterminated string at offset {start}.");
        return Encoding.ASCII.GetString(_bytes, (int)start, end - (int)start);
    }

    /// <summary>The section a header's sh_link names (the string table of a version or symbol section).</summary>
    internal ElfSection Linked(ElfSection section) =>
        section.Link >= 0 && section.Link < Sections.Count
            ? Sections[section.Link]
            : throw new InvalidDataException($"{Path}: section {section.Index} links to missing section {section.Link}.");

    private ReadOnlySpan<byte> Slice(long offset, int length)
    {
        if (offset < 0 || offset > _bytes.Length - length)
            throw new InvalidDataException($"{Path} is truncated: a read of {length} byte(s) at offset {offset} is past its end ({_bytes.Length} bytes).");
        return new ReadOnlySpan<byte>(_bytes, (int)offset, length);
    }
}

/// <summary>One ELF64 section header: the fields the version tables need.</summary>
/// <param name="Index">Position in the section header table.</param>
/// <param name="Type">sh_type (SHT_*).</param>
/// <param name="Offset">sh_offset: where the contents start in the file.</param>
/// <param name="Size">sh_size in bytes.</param>
/// <param name="Link">sh_link: the associated string or symbol table.</param>
/// <param name="Info">sh_info: for version sections, the number of entries.</param>
internal readonly record struct ElfSection(int Index, uint Type, long Offset, long Size, int Link, uint Info);
