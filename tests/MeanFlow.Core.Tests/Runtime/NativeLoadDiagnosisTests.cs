using System.IO;
using MeanFlow.Runtime;

namespace MeanFlow.Tests.Runtime;

/// <summary>
/// The diagnosis behind <see cref="TorchRuntime.EnsureLoaded"/>: the loader's messages parsed, the exception's text,
/// and the real loader on the real files through internal seams. The process's own torch load is never broken (a
/// failed load is permanent for the process); build/check-glibcxx-fix.sh checks EnsureLoaded end to end.
/// </summary>
public class NativeLoadDiagnosisTests
{
    private const string App = "/tmp/check-glibcxx-fix.Ab12Cd/out-optout";
    private const string Library = App + "/runtimes/linux-x64/native/libLibTorchSharp.so";

    // What .NET 10 puts in the DllNotFoundException of NativeLibrary.Load(path) on Debian 12 (glibc 2.36) for TorchSharp
    // 0.107's library: the host's advice, then glibc's dlerror text on a line of its own.
    private const string DebianMessage =
        "Unable to load shared library '" + Library + "' or one of its dependencies. In order to help diagnose loading " +
        "problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n" +
        "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by " + Library + ")\n";

    private static readonly Exception TorchSharpError =
        new NotSupportedException("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.");

    [Fact]
    public void ParsesTheMissingVersionProviderAndLibraryFromTheLoaderMessage()
    {
        Assert.Equal(new[] { new MissingVersion("GLIBCXX_3.4.32", "/lib/x86_64-linux-gnu/libstdc++.so.6", Library) },
            NativeLoadDiagnosis.Parse(DebianMessage));
    }

    [Theory]
    // glibc too old (RHEL 8, glibc 2.28): a C library version, not a libstdc++ one.
    [InlineData("/lib64/libc.so.6: version `GLIBC_2.34' not found (required by /app/libLibTorchSharp.so)",
        "GLIBC_2.34|/lib64/libc.so.6|/app/libLibTorchSharp.so")]
    // The host probing several paths joins one dlerror line per attempt; lines without a version error are skipped,
    // and the same failure reported twice counts once.
    [InlineData("Unable to load shared library 'LibTorchSharp' or one of its dependencies. ... LD_DEBUG environment variable: \n" +
        "/app/runtimes/linux-x64/native/LibTorchSharp.so: cannot open shared object file: No such file or directory\n" +
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `CXXABI_1.3.15' not found (required by /app/my libs/libLibTorchSharp.so)\n" +
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `CXXABI_1.3.15' not found (required by /app/my libs/libLibTorchSharp.so)\n" +
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.33' not found (required by /app/my libs/libLibTorchSharp.so)\n",
        "CXXABI_1.3.15|/usr/lib/x86_64-linux-gnu/libstdc++.so.6|/app/my libs/libLibTorchSharp.so",
        "GLIBCXX_3.4.33|/usr/lib/x86_64-linux-gnu/libstdc++.so.6|/app/my libs/libLibTorchSharp.so")]
    // Failures of another kind name no version.
    [InlineData("Unable to load shared library '/app/libLibTorchSharp.so' or one of its dependencies. ... variable: \n" +
        "libtorch.so: cannot open shared object file: No such file or directory\n")]
    [InlineData("Unable to load shared library '/tmp/x.so' or one of its dependencies. ... variable: \n/tmp/x.so: invalid ELF header\n")]
    public void ParsesEveryVersionErrorOnceAndNothingElse(string message, params string[] expected)
    {
        var parsed = NativeLoadDiagnosis.Parse(message).Select(m => $"{m.Version}|{m.Provider}|{m.Library}");
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void ExceptionNamesLibraryVersionProviderPackageAndOptOut()
    {
        var missing = NativeLoadDiagnosis.Parse(DebianMessage);
        var e = TorchRuntime.Explain(TorchSharpError, Library, missing);

        Assert.Same(TorchSharpError, e.InnerException);
        Assert.Equal(Library, e.LibraryPath);
        Assert.Equal(new[] { "GLIBCXX_3.4.32" }, e.MissingVersions);
        Assert.StartsWith($"TorchSharp's native library could not be loaded: {Library} needs GLIBCXX_3.4.32, which " +
            "/lib/x86_64-linux-gnu/libstdc++.so.6 does not define. The MeanFlow.GlibcxxFix package makes the library load", e.Message);
        Assert.Contains("dotnet add package MeanFlow.GlibcxxFix", e.Message);
        Assert.Contains("-p:TorchSharpGlibcxxFix=false", e.Message);
        Assert.Contains("whose libstdc++ defines GLIBCXX_3.4.32 (libstdc++ of GCC 13.2 or later", e.Message);
        Assert.EndsWith($"See {NativeLoadDiagnosis.DocumentationUrl}.", e.Message);
    }

    [Fact]
    public void ACLibraryVersionIsNotSentToThePackage()
    {
        var missing = new[] { new MissingVersion("GLIBC_2.34", "/lib64/libc.so.6", "/app/libLibTorchSharp.so") };
        var e = TorchRuntime.Explain(TorchSharpError, "/app/libLibTorchSharp.so", missing);
        Assert.Equal(new[] { "GLIBC_2.34" }, e.MissingVersions);
        Assert.Contains("/app/libLibTorchSharp.so needs GLIBC_2.34, which /lib64/libc.so.6 does not define.", e.Message);
        Assert.Contains("No build step can supply GLIBC_2.34 of libc.so.6: run on a system whose libc.so.6 defines it.", e.Message);
        Assert.DoesNotContain(NativeLoadDiagnosis.FixPackage, e.Message);
        Assert.Throws<ArgumentException>(() => NativeLoadDiagnosis.Describe("/app/libLibTorchSharp.so", Array.Empty<MissingVersion>()));
    }

    [Fact]
    public void TheFirstCandidateWhoseErrorNamesAVersionIsTheDiagnosis()
    {
        var errors = new System.Collections.Generic.Dictionary<string, string?>
        {
            ["/a/loads.so"] = null,
            ["/b/other-failure.so"] = "Unable to load shared library '/b/other-failure.so' ...: \nlibc10.so: cannot open shared object file: No such file or directory\n",
            [Library] = DebianMessage,
            ["/d/also-missing.so"] = "/lib64/libc.so.6: version `GLIBC_2.34' not found (required by /d/also-missing.so)",
        };
        var found = NativeLoadDiagnosis.Find(errors.Keys, path => errors[path]);
        Assert.NotNull(found);
        Assert.Equal(Library, found.Value.Library);
        Assert.Equal(new[] { "GLIBCXX_3.4.32" }, found.Value.Missing.Select(m => m.Version));
        Assert.Null(NativeLoadDiagnosis.Find(errors.Keys.Take(2), path => errors[path]));
    }

    [LinuxFact]
    public void TheOriginalFailsToLoadExactlyWhereThisLibStdCxxLacksAVersionItNeeds()
    {
        // TorchSharp 0.107.0's library needs up to GLIBCXX_3.4.32 (re-audit when TorchSharp is upgraded); this system's
        // libstdc++.so.6.0.N defines up to GLIBCXX_3.4.N. Its dependencies (libtorch.so, ...) are already loaded here
        // by soname, so the only thing that can stop the NuGet cache's copy from loading is a missing version; and where
        // it loads (N ≥ 32), only that second copy of the shim is mapped, never a second libtorch, and freed again.
        string original = TorchSharpFiles.Original();
        int n = TorchSharpFiles.GlibcxxMinor();
        var error = NativeLoadDiagnosis.LoadError(original);
        var found = NativeLoadDiagnosis.Find(new[] { original }, NativeLoadDiagnosis.LoadError);

        Assert.Equal(n < 32, error is not null);
        Assert.Equal(n < 32, found is not null);
        if (found is { } diagnosis)
        {
            Assert.Equal(original, diagnosis.Library);
            var missing = Assert.Single(diagnosis.Missing);   // glibc stops at the first missing version
            Assert.Equal(original, missing.Library);
            Assert.StartsWith("libstdc++.so.6", Path.GetFileName(missing.Provider));
            Assert.StartsWith("GLIBCXX_3.4.", missing.Version);
            Assert.InRange(int.Parse(missing.Version["GLIBCXX_3.4.".Length..]), n + 1, 32);
            if (n >= 30) Assert.Equal("GLIBCXX_3.4.32", missing.Version);   // Debian 12 / Ubuntu 22.04: N = 30
            Assert.Contains(NativeLoadDiagnosis.FixPackage, TorchRuntime.Explain(TorchSharpError, original, diagnosis.Missing).Message);
        }
    }

    [LinuxFact]
    public void TheCopyThisProcessLoadedLoadsAgain()
    {
        // glibc accepted it once, patched or not, so a second load (of the same file: a reference count) succeeds.
        Assert.Null(NativeLoadDiagnosis.LoadError(TorchSharpFiles.Loaded()));
    }

    [Fact]
    public void AFileThatIsNotALibraryFailsForAnotherReasonAndIsNotDiagnosed()
    {
        var file = TorchSharpFiles.TempFile(TorchSharpFiles.TorchSharpNative);
        try
        {
            File.WriteAllText(file, "not an ELF file, but long enough to hold an ELF64 header of sixty-four bytes....");
            Assert.NotNull(NativeLoadDiagnosis.LoadError(file));
            Assert.Null(NativeLoadDiagnosis.Find(new[] { file }, NativeLoadDiagnosis.LoadError));
        }
        finally { File.Delete(file); }
    }
}
