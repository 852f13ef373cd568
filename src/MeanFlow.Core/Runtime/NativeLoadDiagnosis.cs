using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace MeanFlow.Runtime;

/// <summary>
/// Why the dynamic loader refuses TorchSharp's native library, in the loader's own words: loading the library again
/// with <see cref="NativeLibrary.Load(string)"/> gives the dlerror text that TorchSharp's message hides, and a missing
/// symbol version in it ("version `GLIBCXX_3.4.32' not found") is explained together with the package that fixes it.
/// </summary>
internal static class NativeLoadDiagnosis
{
    /// <summary>The package that makes TorchSharp load where libstdc++ lacks an unused version.</summary>
    internal const string FixPackage = "MeanFlow.GlibcxxFix";

    internal const string DocumentationUrl = "https://github.com/meanflow-net/MeanFlow.NET/blob/main/docs/articles/platform-support.md";

    // glibc's elf/dl-version.c: "<provider>: version `<name>' not found (required by <library>)". The provider is a
    // path or soname; the quotes are ` and ' in glibc's own text, typographic ones in some translations.
    private static readonly Regex VersionNotFound = new(
        @"(?<provider>[^\s:][^:\n]*): version [`'‘](?<version>[^`'‘’\s]+)['’] not found \(required by (?<library>[^)\n]+)\)",
        RegexOptions.CultureInvariant);

    /// <summary>The missing versions that a loader message reports, in order, each once; empty when it reports none.</summary>
    /// <param name="loaderMessage">A <see cref="DllNotFoundException"/> message, which ends with the dlerror text.</param>
    internal static IReadOnlyList<MissingVersion> Parse(string loaderMessage) =>
        VersionNotFound.Matches(loaderMessage)
            .Select(m => new MissingVersion(m.Groups["version"].Value, m.Groups["provider"].Value.Trim(), m.Groups["library"].Value.Trim()))
            .Distinct()
            .ToArray();

    /// <summary>The loader's error for <paramref name="library"/>, or <c>null</c> when it loads (it is then freed again).</summary>
    internal static string? LoadError(string library)
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(library));
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The first of <paramref name="candidates"/> whose load error reports missing versions, with them; <c>null</c> when
    /// none does (each loads, or fails for another reason): then TorchSharp's own error stands.
    /// </summary>
    /// <param name="candidates">Library paths, most likely first.</param>
    /// <param name="loadError">Path → the loader's error message, or <c>null</c> when the library loads.</param>
    internal static (string Library, IReadOnlyList<MissingVersion> Missing)? Find(IEnumerable<string> candidates, Func<string, string?> loadError)
    {
        foreach (var candidate in candidates)
        {
            var error = loadError(candidate);
            if (error is null) continue;
            var missing = Parse(error);
            if (missing.Count > 0) return (candidate, missing);
        }
        return null;
    }

    /// <summary>What is missing, from which file, and what fixes it: the package and its opt-out, or a newer system.</summary>
    internal static string Describe(string library, IReadOnlyList<MissingVersion> missing)
    {
        if (missing.Count == 0) throw new ArgumentException("There is nothing to describe: no missing versions.", nameof(missing));
        var text = new StringBuilder();
        foreach (var group in missing.GroupBy(m => m.Provider))
            text.Append($"{library} needs {string.Join(", ", group.Select(m => m.Version))}, which {group.Key} does not define. ");
        var libStdCxx = missing.Where(m => m.IsLibStdCxx).Select(m => m.Version).ToArray();
        if (libStdCxx.Length > 0)
        {
            text.Append($"The {FixPackage} package makes the library load when nothing in it uses that version, as with " +
                "GLIBCXX_3.4.32 in TorchSharp 0.107: add it to the application (dotnet add package " + FixPackage + ") and " +
                "rebuild; the build then writes a copy of the library with that version need marked weak to obj/ and uses " +
                "it in the build and publish output. If the application references it already, the fix was turned off " +
                "(-p:TorchSharpGlibcxxFix=false) or its build warned that the version is really used. ");
            text.Append($"Otherwise run on a system whose libstdc++ defines {string.Join(" and ", libStdCxx)}{SystemHint(libStdCxx)}. ");
        }
        foreach (var other in missing.Where(m => !m.IsLibStdCxx))
            text.Append($"No build step can supply {other.Version} of {Path.GetFileName(other.Provider)}: run on a system whose " +
                $"{Path.GetFileName(other.Provider)} defines it. ");
        text.Append($"See {DocumentationUrl}.");
        return text.ToString();
    }

    /// <summary>Which GCC releases first shipped the libstdc++ versions TorchSharp builds have needed.</summary>
    private static string SystemHint(IEnumerable<string> versions)
    {
        var hints = versions.Select(v => v switch
        {
            "GLIBCXX_3.4.31" => "GCC 13.1 or later",
            "GLIBCXX_3.4.32" => "GCC 13.2 or later, e.g. Debian 13, Ubuntu 24.04, Fedora 39",
            "GLIBCXX_3.4.33" => "GCC 14 or later, e.g. Debian 13, Ubuntu 24.04",
            "GLIBCXX_3.4.34" => "GCC 15 or later",
            _ => null,
        }).Where(h => h is not null).Distinct().ToArray();
        return hints.Length == 0 ? "" : $" (libstdc++ of {string.Join("; ", hints)})";
    }
}
