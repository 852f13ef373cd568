using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using MeanFlow.Runtime;
using Xunit;

namespace MeanFlow.Tests.Runtime;

/// <summary>The native files these tests reason about, found independently of the code under test where possible.</summary>
internal static class TorchSharpFiles
{
    private const string NativeAsset = "runtimes/linux-x64/native/libLibTorchSharp.so";

    /// <summary>The NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
    internal static string PackagesRoot =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));

    /// <summary>TorchSharp's libLibTorchSharp.so as shipped: the package folder that this test host's deps.json names.</summary>
    internal static string Original()
    {
        var deps = Path.Combine(AppContext.BaseDirectory, "MeanFlow.Core.Tests.deps.json");
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        var package = json.RootElement.GetProperty("libraries").EnumerateObject()
            .Single(p => p.Name.StartsWith("TorchSharp/", StringComparison.Ordinal));
        var file = Path.Combine(PackagesRoot, package.Value.GetProperty("path").GetString()!, NativeAsset);
        Assert.True(File.Exists(file), $"TorchSharp's native library is not in the NuGet cache at {file}.");
        return file;
    }

    /// <summary>The libLibTorchSharp.so mapped into this process (after loading torch).</summary>
    internal static string Loaded()
    {
        TorchRuntime.EnsureLoaded();
        var mapped = File.ReadLines("/proc/self/maps")
            .Where(l => l.EndsWith("/" + NativeLibraryLocator.TorchSharpNative, StringComparison.Ordinal))
            .Select(l => l[l.IndexOf('/')..].Trim())
            .Distinct()
            .ToArray();
        Assert.True(mapped.Length == 1, $"expected one mapped libLibTorchSharp.so, found {mapped.Length}: {string.Join(", ", mapped)}");
        return mapped[0];
    }

    /// <summary>The libstdc++ this process uses (mapped once torch is loaded).</summary>
    internal static string LibStdCxx()
    {
        TorchRuntime.EnsureLoaded();
        var path = NativeLibraryLocator.Mapped("libstdc++.so.6");
        Assert.True(path is not null, "libstdc++.so.6 is not mapped into the test host after loading torch.");
        return path!;
    }

    /// <summary>A fresh temp file path; the caller deletes it.</summary>
    internal static string TempFile(string name) =>
        Path.Combine(Path.GetTempPath(), $"meanflow-{Guid.NewGuid():N}-{name}");
}
