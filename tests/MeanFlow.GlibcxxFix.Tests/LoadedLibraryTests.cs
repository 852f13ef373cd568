using System.IO;
using MeanFlow.Tests.Runtime;

namespace MeanFlow.GlibcxxFix.Tests;

/// <summary>The repository's own wiring: this test host runs the libLibTorchSharp.so the fix promises.</summary>
public class LoadedLibraryTests
{
    [LinuxFact]
    public void TheTestHostRunsTheOriginalOrACopyThatDiffersOnlyInTheWeakFlagsOfTheVersionsThisSystemLacks()
    {
        string loaded = TorchSharpFiles.Loaded(), original = TorchSharpFiles.Original();
        var defined = ElfImage.Read(TorchSharpFiles.LibStdCxx()).DefinedVersions();
        var missing = ElfImage.Read(original).VersionNeeds()
            .Where(n => n.File == "libstdc++.so.6" && !n.IsWeak && !defined.Contains(n.Version))
            .ToArray();
        byte[] a = File.ReadAllBytes(original), b = File.ReadAllBytes(loaded);

        // Copy-local: the host loads a copy in its output folder, never the NuGet cache's file.
        Assert.False(loaded.StartsWith(TorchSharpFiles.PackagesRoot, StringComparison.Ordinal), $"{loaded} is in the NuGet cache");
        Assert.Equal(a.Length, b.Length);
        // No difference where this libstdc++ has every version; else exactly VER_FLG_WEAK (2) in the low byte of each
        // missing need's vna_flags.
        var differing = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).Select(i => (long)i).ToArray();
        Assert.Equal(missing.Select(n => n.FlagsOffset).OrderBy(o => o), differing);
        Assert.All(missing, need => Assert.Equal(a[need.FlagsOffset] | ElfImage.VerFlagWeak, b[need.FlagsOffset]));
        Assert.Equal(TorchSharpFiles.GlibcxxMinor() < 32, missing.Any(n => n.Version == "GLIBCXX_3.4.32"));
    }
}
