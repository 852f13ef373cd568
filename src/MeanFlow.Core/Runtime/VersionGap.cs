using System.Collections.Generic;
using System.Linq;

namespace MeanFlow.Runtime;

/// <summary>A version that a native library needs and the library providing it does not define.</summary>
/// <param name="Library">Path of the library that needs the version.</param>
/// <param name="Dependency">The dependency's soname, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The missing version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Provider">The file that was checked for <paramref name="Dependency"/>.</param>
/// <param name="HighestProvided">The provider's highest version of the same family (<c>GLIBCXX_3.4.30</c>), or <c>null</c>.</param>
/// <param name="Symbols">The library's dynamic symbols bound to <paramref name="Version"/>.</param>
internal sealed record VersionGap(
    string Library, string Dependency, string Version, string Provider, string? HighestProvided,
    IReadOnlyList<ElfVersionedSymbol> Symbols)
{
    /// <summary>
    /// The symbols the loader would really have to resolve (defined here or used by a relocation). When there are
    /// none, marking the version need weak is safe: nothing binds to the missing version.
    /// </summary>
    internal IReadOnlyList<string> UsedSymbols =>
        Symbols.Where(s => s.IsDefined || s.IsUsedByRelocation).Select(s => s.Name).ToArray();
}
