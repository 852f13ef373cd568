using System;
using System.Collections.Generic;
using System.IO;

namespace MeanFlow.Runtime;

/// <summary>
/// Symbol versioning (the GNU extension glibc checks at load time): the versions an object defines
/// (SHT_GNU_verdef), the versions it needs from each dependency (SHT_GNU_verneed), and the dynamic symbols
/// bound to a needed version, with whether any relocation uses them.
/// </summary>
internal sealed partial class ElfImage
{
    /// <summary>VER_FLG_BASE: the verdef entry naming the object itself, not a version.</summary>
    internal const ushort VerFlagBase = 1;

    /// <summary>VER_FLG_WEAK: glibc tolerates a weak version need that the dependency does not define.</summary>
    internal const ushort VerFlagWeak = 2;

    /// <summary>The version names this object defines (e.g. GLIBCXX_3.4.30), without the base entry.</summary>
    internal IReadOnlySet<string> DefinedVersions()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in Sections)
        {
            if (section.Type != ShtVerdef) continue;
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
        foreach (var section in Sections)
        {
            if (section.Type != ShtVerneed) continue;
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
    /// each is undefined here and whether any relocation (SHT_REL/SHT_RELA on the dynamic symbol table) uses it.
    /// </summary>
    internal IReadOnlyList<ElfVersionedSymbol> SymbolsBoundTo(ushort versionIndex)
    {
        ElfSection? symbols = null, versions = null;
        foreach (var section in Sections)
        {
            if (section.Type == ShtDynsym) symbols = section;
            else if (section.Type == ShtVersym) versions = section;
        }
        if (symbols is not { } dynsym || versions is not { } versym)
            throw new InvalidDataException($"{Path} has version needs but no dynamic symbol or version table.");
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
        foreach (var section in Sections)
        {
            if ((section.Type != ShtRela && section.Type != ShtRel) || section.Link != dynsym.Index) continue;
            int size = section.Type == ShtRela ? 24 : 16;
            for (long r = section.Offset; r + size <= section.Offset + section.Size; r += size)
                used.Add((long)(U64(r + 8) >> 32));   // ELF64_R_SYM(r_info)
        }
        return used;
    }
}
