using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using TorchSharp;

namespace MeanFlow.Runtime;

/// <summary>Where the copies of TorchSharp's native shim that this process may have tried to load live (Linux).</summary>
internal static class NativeLibraryLocator
{
    internal const string TorchSharpNative = "libLibTorchSharp.so";

    private static string Rid => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    /// <summary>
    /// Existing copies of <c>libLibTorchSharp.so</c>, most likely first: the host's native search directories (the
    /// app's <c>runtimes/RID/native</c>), the app directory, TorchSharp's directory and the <c>cpu/</c> folder that
    /// TorchSharp consolidates native files into as a fallback.
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
}
