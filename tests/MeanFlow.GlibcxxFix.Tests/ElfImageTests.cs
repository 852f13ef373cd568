using System.IO;
using MeanFlow.GlibcxxFix;
using MeanFlow.Tests.Runtime;

namespace MeanFlow.GlibcxxFix.Tests;

/// <summary>The ELF reader on real files, checked against facts known independently of it.</summary>
public class ElfImageTests
{
    [LinuxFact]
    public void TorchSharp0107NeedsGlibcxx3432ForOneUnusedSymbol()
    {
        // Facts of TorchSharp 0.107.0's libLibTorchSharp.so (readelf -V / -r); re-audit them when TorchSharp is upgraded.
        var image = ElfImage.Read(TorchSharpFiles.Original());
        var needs = image.VersionNeeds();
        Assert.Equal(28, needs.Count);
        Assert.Equal(new[] { "ld-linux-x86-64.so.2", "libm.so.6", "libgcc_s.so.1", "libc.so.6", "libstdc++.so.6" },
            needs.Select(n => n.File).Distinct());
        Assert.Equal(20, needs.Count(n => n.File == "libstdc++.so.6"));
        Assert.All(needs, n => Assert.False(n.IsWeak));
        var need = needs.Single(n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal(("libstdc++.so.6", (ushort)18, (ushort)0, 0x3FA34L), (need.File, need.Index, need.Flags, need.FlagsOffset));
        var bound = Assert.Single(image.SymbolsBoundTo(need.Index));
        Assert.Equal(("_ZSt21ios_base_library_initv", false, false), (bound.Name, bound.IsDefined, bound.IsUsedByRelocation));
        // The relocation reader does see uses: the base version's symbols (operator new, ...) are relocated.
        var baseVersion = needs.Single(n => n.Version == "GLIBCXX_3.4");
        Assert.Contains(image.SymbolsBoundTo(baseVersion.Index), s => s.IsUsedByRelocation && s.Name == "_Znwm");
    }

    [LinuxFact]
    public void SystemLibStdCxxDefinesEveryGlibcxxVersionUpToTheOneItsFileNameCarries()
    {
        // libstdc++.so.6.0.N defines GLIBCXX_3.4 … GLIBCXX_3.4.N: an oracle outside the reader.
        int n = TorchSharpFiles.GlibcxxMinor();
        var defined = ElfImage.Read(TorchSharpFiles.LibStdCxx()).DefinedVersions();
        Assert.Contains("GLIBCXX_3.4", defined);
        for (var k = 1; k <= n; k++) Assert.Contains($"GLIBCXX_3.4.{k}", defined);
        Assert.DoesNotContain($"GLIBCXX_3.4.{n + 1}", defined);
        Assert.DoesNotContain("libstdc++.so.6", defined);   // the VER_FLG_BASE entry is the soname, not a version
    }

    [LinuxFact]
    public void WeakFlagSetInACopyIsReadBackAndNothingElseChanges()
    {
        var original = TorchSharpFiles.Original();
        var before = ElfImage.Read(original).VersionNeeds();
        var target = before.Single(n => n.Version == "GLIBCXX_3.4.32");
        var copy = TorchSharpFiles.TempFile("libLibTorchSharp.so");
        try
        {
            var bytes = File.ReadAllBytes(original);
            bytes[target.FlagsOffset] |= (byte)ElfImage.VerFlagWeak;
            File.WriteAllBytes(copy, bytes);
            var after = ElfImage.Read(copy).VersionNeeds();
            Assert.Equal(before.Select(n => (n.File, n.Version, n.Index, n == target ? (ushort)(n.Flags | ElfImage.VerFlagWeak) : n.Flags, n.FlagsOffset)),
                after.Select(n => (n.File, n.Version, n.Index, n.Flags, n.FlagsOffset)));
            Assert.Equal(new[] { "GLIBCXX_3.4.32" }, after.Where(n => n.IsWeak).Select(n => n.Version));
        }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void TruncatedForeignAndThirtyTwoBitFilesAreInvalidData()
    {
        var file = TorchSharpFiles.TempFile("bad.so");
        try
        {
            File.WriteAllText(file, "not an ELF file, but long enough to hold an ELF64 header of sixty-four bytes....");
            Assert.Contains("is not an ELF file", Assert.Throws<InvalidDataException>(() => ElfImage.Read(file)).Message);

            var elf32 = new byte[64];
            new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 1, 1 }.CopyTo(elf32, 0);
            File.WriteAllBytes(file, elf32);
            Assert.Contains("not a little-endian 64-bit ELF", Assert.Throws<InvalidDataException>(() => ElfImage.Read(file)).Message);

            // A valid header whose section table lies past the end of the file.
            var truncated = new byte[64];
            new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1 }.CopyTo(truncated, 0);
            BitConverter.GetBytes(4096L).CopyTo(truncated, 0x28);
            BitConverter.GetBytes((ushort)64).CopyTo(truncated, 0x3A);
            BitConverter.GetBytes((ushort)3).CopyTo(truncated, 0x3C);
            File.WriteAllBytes(file, truncated);
            Assert.Contains("is truncated", Assert.Throws<InvalidDataException>(() => ElfImage.Read(file)).Message);
        }
        finally { File.Delete(file); }
    }
}
