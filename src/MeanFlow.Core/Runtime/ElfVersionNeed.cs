namespace MeanFlow.Runtime;

/// <summary>One entry of an object's version needs: "needs <paramref name="Version"/> from <paramref name="File"/>".</summary>
/// <param name="File">The dependency's soname, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Index">vna_other: the index that SHT_GNU_versym uses for symbols bound to this version.</param>
/// <param name="Flags">vna_flags (<see cref="ElfImage.VerFlagWeak"/>).</param>
/// <param name="FlagsOffset">File offset of the two vna_flags bytes.</param>
internal sealed record ElfVersionNeed(string File, string Version, ushort Index, ushort Flags, long FlagsOffset)
{
    /// <summary>Whether glibc tolerates the dependency not defining this version.</summary>
    internal bool IsWeak => (Flags & ElfImage.VerFlagWeak) != 0;
}

/// <summary>A dynamic symbol bound to a needed version.</summary>
/// <param name="Name">The (mangled) symbol name.</param>
/// <param name="IsDefined">Defined in this object rather than imported.</param>
/// <param name="IsUsedByRelocation">Some dynamic relocation refers to it, so the loader must resolve it.</param>
internal sealed record ElfVersionedSymbol(string Name, bool IsDefined, bool IsUsedByRelocation);
