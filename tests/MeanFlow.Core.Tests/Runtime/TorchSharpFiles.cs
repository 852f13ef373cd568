using System.IO;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MeanFlow.Tests.Runtime;

/// <summary>
/// The native files the runtime and fix tests reason about, found independently of the code under test. Compiled into
/// MeanFlow.Core.Tests and MeanFlow.GlibcxxFix.Tests (each reads its own deps.json).
/// </summary>
internal static class TorchSharpFiles
{
    internal const string TorchSharpNative = "libLibTorchSharp.so";

    private const string NativeAsset = "runtimes/linux-x64/native/" + TorchSharpNative;

    /// <summary>The NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
    internal static string PackagesRoot =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));

    /// <summary>TorchSharp's libLibTorchSharp.so as shipped: the package folder that this test host's deps.json names.</summary>
    internal static string Original()
    {
        var deps = Path.Combine(AppContext.BaseDirectory, typeof(TorchSharpFiles).Assembly.GetName().Name + ".deps.json");
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        var package = json.RootElement.GetProperty("libraries").EnumerateObject()
            .Single(p => p.Name.StartsWith("TorchSharp/", StringComparison.Ordinal));
        var file = Path.Combine(PackagesRoot, package.Value.GetProperty("path").GetString()!, NativeAsset);
        Assert.True(File.Exists(file), $"TorchSharp's native library is not in the NuGet cache at {file}.");
        return file;
    }

    /// <summary>The libLibTorchSharp.so mapped into this process (after loading torch).</summary>
    internal static string Loaded() => MappedOnce(path => path.EndsWith("/" + TorchSharpNative, StringComparison.Ordinal));

    /// <summary>The libstdc++ this process uses (mapped once torch is loaded).</summary>
    internal static string LibStdCxx() => Mapped("libstdc++.so.6");

    /// <summary>The file mapped into this process for <paramref name="soname"/> (after loading torch).</summary>
    internal static string Mapped(string soname) =>
        MappedOnce(path => Path.GetFileName(path) == soname || Path.GetFileName(path).StartsWith(soname + ".", StringComparison.Ordinal));

    /// <summary>
    /// N of this system's libstdc++.so.6.0.N, which defines GLIBCXX_3.4 … GLIBCXX_3.4.N (GCC's numbering since GCC 5):
    /// an oracle for the versions this system has, outside any ELF reader.
    /// </summary>
    internal static int GlibcxxMinor()
    {
        var path = LibStdCxx();
        var real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        var match = Regex.Match(Path.GetFileName(real), @"^libstdc\+\+\.so\.6\.0\.(\d+)$");
        Assert.True(match.Success, $"unexpected libstdc++ file name {real}");
        return int.Parse(match.Groups[1].Value);
    }

    /// <summary>A fresh temp file path; the caller deletes it.</summary>
    internal static string TempFile(string name) =>
        Path.Combine(Path.GetTempPath(), $"meanflow-{Guid.NewGuid():N}-{name}");

    private static string MappedOnce(Func<string, bool> match)
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        var mapped = File.ReadLines("/proc/self/maps")
            .Where(l => l.Contains('/'))
            .Select(l => l[l.IndexOf('/')..].Trim())
            .Where(match)
            .Distinct()
            .ToArray();
        Assert.True(mapped.Length == 1, $"expected one mapped file, found {mapped.Length}: {string.Join(", ", mapped)}");
        return mapped[0];
    }
}
