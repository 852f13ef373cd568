using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using TorchSharp;

namespace MeanFlow.Runtime;

/// <summary>
/// Where TorchSharp's native shim and the shared libraries it depends on live, found the way the host and the
/// dynamic loader look (Linux only).
/// </summary>
internal static class NativeLibraryLocator
{
    internal const string TorchSharpNative = "libLibTorchSharp.so";

    private static string Triplet => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";

    private static string Rid => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    /// <summary>
    /// Existing copies of <c>libLibTorchSharp.so</c> that this process may have tried to load, most likely first:
    /// the host's native search directories (the app's <c>runtimes/RID/native</c>), the app directory, TorchSharp's
    /// directory and the <c>cpu/</c> folder that TorchSharp consolidates native files into as a fallback.
    /// </summary>
    internal static IReadOnlyList<string> TorchSharpCandidates()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPath)
            directories.AddRange(searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        directories.Add(AppContext.BaseDirectory);
        directories.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", Rid, "native"));
        // typeof does not run torch's static constructor, which is what may have failed.
        var torchSharpDirectory = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchSharpDirectory))
        {
            directories.Add(torchSharpDirectory);
            directories.Add(Path.Combine(torchSharpDirectory, "cpu"));
        }
        var found = new List<string>();
        foreach (var directory in directories)
        {
            var file = Path.GetFullPath(Path.Combine(directory, TorchSharpNative));
            if (File.Exists(file) && !found.Contains(file)) found.Add(file);
        }
        return found;
    }

    /// <summary>
    /// The file that provides <paramref name="soname"/> to <paramref name="library"/>: the copy already mapped into
    /// this process (/proc/self/maps), else the first match on LD_LIBRARY_PATH, beside the library, or in the
    /// system directories. <c>null</c> when none is found.
    /// </summary>
    internal static string? Provider(string soname, string library)
    {
        var mapped = Mapped(soname);
        if (mapped is not null) return mapped;
        var directories = new List<string>();
        var ldLibraryPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldLibraryPath))
            directories.AddRange(ldLibraryPath.Split(':', StringSplitOptions.RemoveEmptyEntries));
        var own = Path.GetDirectoryName(library);
        if (!string.IsNullOrEmpty(own)) directories.Add(own);
        directories.AddRange(new[] { $"/lib/{Triplet}", $"/usr/lib/{Triplet}", "/lib64", "/usr/lib64", "/lib", "/usr/lib" });
        foreach (var directory in directories)
        {
            var file = Path.Combine(directory, soname);
            if (File.Exists(file)) return file;
        }
        return null;
    }

    /// <summary>The mapped file of this process whose name is <paramref name="soname"/> or starts with it plus a dot.</summary>
    internal static string? Mapped(string soname)
    {
        foreach (var path in MappedFiles())
        {
            var name = Path.GetFileName(path);
            if (name == soname || name.StartsWith(soname + ".", StringComparison.Ordinal)) return path;
        }
        return null;
    }

    /// <summary>The distinct files mapped into this process, from /proc/self/maps (empty where it does not exist).</summary>
    internal static IReadOnlyList<string> MappedFiles()
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                var path = line[slash..].Trim();
                if (path.EndsWith(" (deleted)", StringComparison.Ordinal)) continue;
                if (seen.Add(path)) files.Add(path);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return files;
    }
}
