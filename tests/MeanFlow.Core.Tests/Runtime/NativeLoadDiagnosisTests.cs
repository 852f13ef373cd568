using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using MeanFlow.Runtime;
using Xunit;

namespace MeanFlow.Tests.Runtime;

/// <summary>
/// The diagnosis behind <see cref="TorchRuntime.EnsureLoaded"/>, through its internal seams on real files: the
/// process's own torch load is never broken (a failed load is permanent for the process).
/// </summary>
public class NativeLoadDiagnosisTests
{
    private static readonly Exception TorchSharpError =
        new NotSupportedException("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.");

    /// <summary>N of this system's libstdc++.so.6.0.N, i.e. its highest GLIBCXX_3.4.N (see ElfImageTests).</summary>
    private static int SystemGlibcxxMinor()
    {
        var path = TorchSharpFiles.LibStdCxx();
        var real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        return int.Parse(Regex.Match(Path.GetFileName(real), @"\.so\.6\.0\.(\d+)$").Groups[1].Value);
    }

    [LinuxFact]
    public void OriginalLacksExactlyTheGlibcxxVersionsNewerThanThisSystemsAndNoneIsUsed()
    {
        string original = TorchSharpFiles.Original();
        int n = SystemGlibcxxMinor();
        var gaps = NativeLoadDiagnosis.FindGaps(original, NativeLibraryLocator.Provider)
            .Where(g => g.Dependency == "libstdc++.so.6" && VersionNames.Family(g.Version) == "GLIBCXX").ToArray();
        var expected = ElfImage.Read(original).VersionNeeds()
            .Where(v => v.File == "libstdc++.so.6" && VersionNames.Family(v.Version) == "GLIBCXX" && VersionNames.Compare(v.Version, $"GLIBCXX_3.4.{n}") > 0)
            .Select(v => v.Version);
        Assert.Equal(expected, gaps.Select(g => g.Version));
        Assert.Equal(n < 32, gaps.Any(g => g.Version == "GLIBCXX_3.4.32"));   // Debian 12 / Ubuntu 22.04: N = 30
        Assert.All(gaps, g =>
        {
            Assert.Equal($"GLIBCXX_3.4.{n}", g.HighestProvided);
            Assert.Equal(TorchSharpFiles.LibStdCxx(), g.Provider);
            Assert.Empty(g.UsedSymbols);
        });
    }

    [LinuxFact]
    public void TheCopyThisProcessLoadedHasNoGaps()
    {
        // glibc accepted it, so no non-weak version need may be missing: true on every system, patched or not.
        Assert.Empty(NativeLoadDiagnosis.FindGaps(TorchSharpFiles.Loaded(), NativeLibraryLocator.Provider));
    }

    [LinuxFact]
    public void ExceptionForTheOriginalOnThisSystemNamesLibraryVersionsAndFix()
    {
        string original = TorchSharpFiles.Original();
        int n = SystemGlibcxxMinor();
        var found = NativeLoadDiagnosis.FirstWithGaps(new[] { original }, NativeLibraryLocator.Provider);
        if (n >= 32)
        {
            Assert.Null(found);   // nothing to diagnose: TorchSharp's own error would stand
            return;
        }
        Assert.NotNull(found);
        var e = TorchRuntime.Explain(TorchSharpError, found.Value.Library, found.Value.Gaps);
        Assert.Same(TorchSharpError, e.InnerException);
        Assert.Equal(original, e.LibraryPath);
        Assert.Contains("GLIBCXX_3.4.32", e.MissingVersions);
        Assert.StartsWith("TorchSharp's native library could not be loaded: ", e.Message);
        Assert.Contains($"{original} needs ", e.Message);
        Assert.Contains($"from libstdc++.so.6, but {TorchSharpFiles.LibStdCxx()} provides only up to GLIBCXX_3.4.{n}.", e.Message);
        Assert.Contains("_ZSt21ios_base_library_initv", e.Message);
        Assert.Contains("-p:TorchSharpGlibcxxFix=false", e.Message);
        Assert.Contains(NativeLoadDiagnosis.DocumentationUrl, e.Message);
    }

    [LinuxFact]
    public void VersionsThatAreReallyUsedAreReportedAsUnfixable()
    {
        // Stand-in for a libstdc++ far too old: libgcc_s defines versions (GCC_*) but no GLIBCXX or CXXABI one.
        string original = TorchSharpFiles.Original(), loaded = TorchSharpFiles.Loaded();
        var libgcc = NativeLibraryLocator.Provider("libgcc_s.so.1", original);
        Assert.NotNull(libgcc);
        string? ProviderOf(string soname, string library) =>
            soname == "libstdc++.so.6" ? libgcc : NativeLibraryLocator.Provider(soname, library);

        var gaps = NativeLoadDiagnosis.FindGaps(original, ProviderOf).Where(g => g.Dependency == "libstdc++.so.6").ToArray();
        Assert.Equal(20, gaps.Length);
        Assert.All(gaps, g => Assert.Null(g.HighestProvided));
        Assert.Contains("_Znwm", gaps.Single(g => g.Version == "GLIBCXX_3.4").UsedSymbols);
        var message = NativeLoadDiagnosis.Describe(gaps);
        Assert.Contains($"but {libgcc} defines no GLIBCXX version.", message);
        Assert.Contains("really uses", message);
        Assert.DoesNotContain("TorchSharpGlibcxxFix", message);

        // The first readable candidate with gaps wins; unreadable ones are skipped.
        var garbage = TorchSharpFiles.TempFile("libLibTorchSharp.so");
        try
        {
            File.WriteAllText(garbage, "not ELF");
            Assert.Equal(loaded, NativeLoadDiagnosis.FirstWithGaps(new[] { garbage + ".missing", garbage, loaded, original }, ProviderOf)?.Library);
            Assert.Null(NativeLoadDiagnosis.FirstWithGaps(new[] { garbage }, ProviderOf));
        }
        finally { File.Delete(garbage); }
    }

    [Fact]
    public void MessageDistinguishesUnusedFromUsedVersions()
    {
        var unused = new VersionGap("/app/runtimes/linux-x64/native/libLibTorchSharp.so", "libstdc++.so.6", "GLIBCXX_3.4.32",
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "GLIBCXX_3.4.30",
            new[] { new ElfVersionedSymbol("_ZSt21ios_base_library_initv", false, false) });
        var text = NativeLoadDiagnosis.Describe(new[] { unused });
        Assert.StartsWith("/app/runtimes/linux-x64/native/libLibTorchSharp.so needs GLIBCXX_3.4.32 from libstdc++.so.6, but " +
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30 provides only up to GLIBCXX_3.4.30. Nothing uses the symbol(s) bound " +
            "to it (_ZSt21ios_base_library_initv), so a copy with that version need marked weak loads and works.", text);
        Assert.Contains("without -p:TorchSharpGlibcxxFix=false", text);
        Assert.Contains("defines GLIBCXX_3.4.32 (libstdc++ of GCC 13.2 or later", text);

        var used = unused with { Symbols = new[] { new ElfVersionedSymbol("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE", false, true) } };
        var usedText = NativeLoadDiagnosis.Describe(new[] { used });
        Assert.Contains("The library really uses _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE of that version", usedText);
        Assert.DoesNotContain("TorchSharpGlibcxxFix", usedText);

        var e = TorchRuntime.Explain(TorchSharpError, used.Library, new[] { used, used with { Version = "GLIBCXX_3.4.33" } });
        Assert.Equal(new[] { "GLIBCXX_3.4.32", "GLIBCXX_3.4.33" }, e.MissingVersions);
        Assert.Contains("needs GLIBCXX_3.4.32, GLIBCXX_3.4.33 from libstdc++.so.6", e.Message);
        Assert.Throws<ArgumentException>(() => NativeLoadDiagnosis.Describe(Array.Empty<VersionGap>()));
    }
}
