using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace MeanFlow.Runtime;

/// <summary>
/// Why glibc refuses a native library: the symbol versions it needs that its dependencies do not define,
/// and a message that names them and the fix.
/// </summary>
internal static class NativeLoadDiagnosis
{
    internal const string DocumentationUrl = "https://github.com/meanflow-net/MeanFlow.NET/blob/main/docs/articles/platform-support.md";

    /// <summary>
    /// The non-weak version needs of <paramref name="library"/> that the file providing the dependency does not
    /// define. A dependency that <paramref name="providerOf"/> cannot find, or that defines no versions, is skipped:
    /// glibc does not check versions against an unversioned object.
    /// </summary>
    /// <param name="library">The ELF shared object to check.</param>
    /// <param name="providerOf">(soname, library) → the file that provides that soname, or <c>null</c>.</param>
    internal static IReadOnlyList<VersionGap> FindGaps(string library, Func<string, string, string?> providerOf)
    {
        var image = ElfImage.Read(library);
        var providers = new Dictionary<string, (string? Path, IReadOnlySet<string> Defined)>(StringComparer.Ordinal);
        var gaps = new List<VersionGap>();
        foreach (var need in image.VersionNeeds())
        {
            if (need.IsWeak) continue;
            if (!providers.TryGetValue(need.File, out var provider))
            {
                var path = providerOf(need.File, library);
                provider = (path, path is null ? new HashSet<string>() : ElfImage.Read(path).DefinedVersions());
                providers[need.File] = provider;
            }
            if (provider.Path is null || provider.Defined.Count == 0 || provider.Defined.Contains(need.Version)) continue;
            gaps.Add(new VersionGap(library, need.File, need.Version, provider.Path,
                VersionNames.HighestOfFamily(provider.Defined, need.Version), image.SymbolsBoundTo(need.Index)));
        }
        return gaps;
    }

    /// <summary>A message naming each gap, whether a weak-marked copy can load, and how to fix it.</summary>
    internal static string Describe(IReadOnlyList<VersionGap> gaps)
    {
        if (gaps.Count == 0) throw new ArgumentException("There is nothing to describe: no version gaps.", nameof(gaps));
        var text = new StringBuilder();
        foreach (var group in gaps.GroupBy(g => (g.Library, g.Dependency, g.Provider)))
        {
            var versions = group.Select(g => g.Version).ToArray();
            var highest = group.First().HighestProvided;
            text.Append($"{group.Key.Library} needs {string.Join(", ", versions)} from {group.Key.Dependency}, but {group.Key.Provider} ");
            text.Append(highest is null
                ? $"defines no {VersionNames.Family(versions[0])} version. "
                : $"provides only up to {highest}. ");
            var used = group.SelectMany(g => g.UsedSymbols).Distinct().ToArray();
            var bound = group.SelectMany(g => g.Symbols).Select(s => s.Name).Distinct().ToArray();
            var newer = $"run on a system whose {group.Key.Dependency} defines {versions.Max(VersionComparer)}{SystemHint(versions)}";
            if (used.Length == 0)
            {
                text.Append(bound.Length == 0
                    ? "No symbol is bound to it, "
                    : $"Nothing uses the symbol(s) bound to it ({string.Join(", ", bound)}), ");
                text.Append("so a copy with that version need marked weak loads and works. MeanFlow.Core's build step writes " +
                    "such a copy to obj/ and uses it in the build and publish output on Linux, unless it is turned off: rebuild " +
                    "the application without -p:TorchSharpGlibcxxFix=false and without excluding the MeanFlow.Core package's " +
                    "build assets (outside MSBuild, e.g. in a notebook, patch the copy that is loaded with build/weaken_unused_verneed.py " +
                    "from the MeanFlow.NET repository). " +
                    $"Otherwise {newer}. ");
            }
            else
            {
                text.Append($"The library really uses {string.Join(", ", used)} of that version, so it cannot run with this " +
                    $"{group.Key.Dependency}: {newer}, or use a TorchSharp build made for older systems. ");
            }
        }
        text.Append($"See {DocumentationUrl}.");
        return text.ToString();
    }

    private static readonly Comparer<string> VersionComparer = Comparer<string>.Create(VersionNames.Compare);

    /// <summary>Which GCC releases first shipped the libstdc++ versions TorchSharp builds have needed.</summary>
    private static string SystemHint(IEnumerable<string> versions)
    {
        var highest = versions.Max(VersionComparer);
        return highest switch
        {
            "GLIBCXX_3.4.31" => " (libstdc++ of GCC 13.1 or later)",
            "GLIBCXX_3.4.32" => " (libstdc++ of GCC 13.2 or later, e.g. Debian 13, Ubuntu 24.04, Fedora 39)",
            "GLIBCXX_3.4.33" => " (libstdc++ of GCC 14 or later, e.g. Debian 13, Ubuntu 24.04)",
            "GLIBCXX_3.4.34" => " (libstdc++ of GCC 15 or later)",
            _ => "",
        };
    }

    /// <summary>
    /// The first of <paramref name="candidates"/> that has gaps, with its gaps, or <c>null</c> when none has any
    /// (or none can be read): then the load failed for another reason and the original error stands.
    /// </summary>
    internal static (string Library, IReadOnlyList<VersionGap> Gaps)? FirstWithGaps(
        IEnumerable<string> candidates, Func<string, string, string?> providerOf)
    {
        foreach (var candidate in candidates)
        {
            IReadOnlyList<VersionGap> gaps;
            try { gaps = FindGaps(candidate, providerOf); }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or OverflowException)
            {
                continue;   // unreadable or not ELF: try the next copy
            }
            if (gaps.Count > 0) return (candidate, gaps);
        }
        return null;
    }
}
