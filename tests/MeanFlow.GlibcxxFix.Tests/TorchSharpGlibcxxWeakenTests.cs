using System.IO;
using MeanFlow.Tests;
using MeanFlow.Tests.Runtime;

namespace MeanFlow.GlibcxxFix.Tests;

/// <summary>
/// The task as MSBuild runs it (Execute on a recording engine), on TorchSharp's real library and real libstdc++ /
/// libgcc_s files. Its state file and output are checked against facts found without it: the system libstdc++'s
/// file name, and the flag offsets that <see cref="ElfImageTests"/> pins down.
/// </summary>
public class TorchSharpGlibcxxWeakenTests
{
    private const long Glibcxx3432FlagsOffset = 0x3FA34;   // TorchSharp 0.107.0 (see ElfImageTests)

    private static (TorchSharpGlibcxxWeaken Task, RecordingBuildEngine Engine, string State) Run(string source, string libStdCxx, TempFolder folder, string name)
    {
        var engine = new RecordingBuildEngine();
        var task = new TorchSharpGlibcxxWeaken
        {
            BuildEngine = engine,
            Source = source,
            Destination = folder.File(name + "/libLibTorchSharp.so"),
            StateFile = folder.File(name + "/state.txt"),
            LibStdCxx = libStdCxx,
        };
        Assert.True(task.Execute());
        Assert.Empty(engine.Errors);
        return (task, engine, File.Exists(task.StateFile) ? File.ReadAllText(task.StateFile).TrimEnd('\n') : "");
    }

    [LinuxFact]
    public void AgainstThisSystemsLibStdCxxOnlyTheVersionsItLacksAreMarkedWeakAndTheCopyNeedsNothingMore()
    {
        // libstdc++.so.6.0.N defines up to GLIBCXX_3.4.N. TorchSharp 0.107.0 needs up to 3.4.32; 3.4.32 only for an
        // unused symbol, 3.4.30 and older for symbols it calls (README: the systems the fix covers).
        using var folder = new TempFolder();
        string original = TorchSharpFiles.Original(), libstdcxx = TorchSharpFiles.LibStdCxx();
        int n = TorchSharpFiles.GlibcxxMinor();
        var (task, engine, state) = Run(original, libstdcxx, folder, "first");

        string expected = n >= 32 ? "not-needed: " : n >= 30 ? "patched: GLIBCXX_3.4.32 marked weak (unreferenced symbols: _ZSt21ios_base_library_initv)" : "unfixable: ";
        Assert.StartsWith(expected, state);
        Assert.Equal(n is 30 or 31, task.Patched);
        Assert.Equal(task.Patched, File.Exists(task.Destination));
        Assert.Equal(n < 30, engine.Warnings.Count == 1);
        if (task.Patched)
        {
            byte[] before = File.ReadAllBytes(original), after = File.ReadAllBytes(task.Destination);
            Assert.Equal(before.Length, after.Length);
            Assert.Equal(new[] { Glibcxx3432FlagsOffset }, Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).Select(i => (long)i));
            Assert.Equal((byte)(before[Glibcxx3432FlagsOffset] | ElfImage.VerFlagWeak), after[Glibcxx3432FlagsOffset]);

            // The copy is what glibc will load: run on it, the task finds nothing left to do.
            var (again, _, secondState) = Run(task.Destination, libstdcxx, folder, "second");
            Assert.StartsWith("not-needed: ", secondState);
            Assert.False(again.Patched);
        }
    }

    [LinuxFact]
    public void NeedsAlreadyMarkedWeakAreNotMissingAndAStaleCopyIsRemoved()
    {
        // Every libstdc++ need weak: nothing can be missing, whatever this system's libstdc++.
        using var folder = new TempFolder();
        var source = folder.File("all-weak/libLibTorchSharp.so");
        var bytes = File.ReadAllBytes(TorchSharpFiles.Original());
        foreach (var need in ElfImage.Read(TorchSharpFiles.Original()).VersionNeeds().Where(n => n.File == "libstdc++.so.6"))
            bytes[need.FlagsOffset] |= (byte)ElfImage.VerFlagWeak;
        File.WriteAllBytes(source, bytes);
        File.WriteAllText(folder.File("run/libLibTorchSharp.so"), "a stale copy from an earlier build");

        var (task, engine, state) = Run(source, TorchSharpFiles.LibStdCxx(), folder, "run");
        Assert.Equal($"not-needed: {TorchSharpFiles.LibStdCxx()} defines every libstdc++ version needed by {source}", state);
        Assert.False(task.Patched);
        Assert.False(File.Exists(task.Destination));
        Assert.Empty(engine.Warnings);
    }

    [LinuxFact]
    public void VersionsWhoseSymbolsAreUsedAreNeverPatched()
    {
        // Stand-in for a libstdc++ far too old: libgcc_s defines versions (GCC_*) but no GLIBCXX or CXXABI one, so every
        // libstdc++ need is missing, and the base version's operator new (_Znwm) is relocated.
        using var folder = new TempFolder();
        var libgcc = TorchSharpFiles.Mapped("libgcc_s.so.1");
        var (task, engine, state) = Run(TorchSharpFiles.Original(), libgcc, folder, "old");

        Assert.StartsWith("unfixable: ", state);
        var parts = state["unfixable: ".Length..].Split(" used by ");
        var versions = parts[0].Split(", ");
        Assert.Equal(20, versions.Length);   // every libstdc++ need of TorchSharp 0.107.0 (see ElfImageTests)
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("GLIBCXX_3.4.32", versions);
        var used = parts[1].Split(", ");
        Assert.Contains("_Znwm", used);
        Assert.DoesNotContain("_ZSt21ios_base_library_initv", used);
        Assert.False(task.Patched);
        Assert.False(File.Exists(task.Destination));
        var warning = Assert.Single(engine.Warnings);
        Assert.Contains($"which {libgcc} lacks, and really uses", warning);
    }

    [Fact]
    public void AFileItCannotReadIsAWarningAndLeavesNoStateSoTheNextBuildRetries()
    {
        using var folder = new TempFolder();
        var garbage = folder.File("libLibTorchSharp.so");
        File.WriteAllText(garbage, "not an ELF file, but long enough to hold an ELF64 header of sixty-four bytes....");

        var (task, engine, state) = Run(garbage, garbage, folder, "garbage");
        Assert.Equal("", state);
        Assert.False(File.Exists(task.StateFile));
        Assert.False(task.Patched);
        var warning = Assert.Single(engine.Warnings);
        Assert.Contains($"could not inspect or patch {garbage}: {garbage} is not an ELF file.", warning);
    }
}
