using System.IO;

namespace MeanFlow.Tests;

/// <summary>
/// Locates the real datasets in ../shared/data relative to the repository root (the folder holding
/// MeanFlow.sln). When a folder is absent the test is skipped with a message, except under CI=true,
/// where a missing dataset is a failure (CI must run these tests).
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    internal static string RepositoryRoot => Root.Value;

    internal static bool RunningInCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The dataset folder, or skip (locally) / fail (CI) if it is absent.</summary>
    internal static string Folder(string name)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", name));
        if (Directory.Exists(path)) return path;
        var message = $"The dataset folder '{path}' (../shared/data/{name} from the repository root) is absent.";
        if (RunningInCi) Assert.Fail(message + " CI=true, so a missing dataset is a failure, not a skip.");
        Skip.If(true, message + " Skipped locally; see ../shared/data/README.md.");
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MeanFlow.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' contains MeanFlow.sln.");
    }
}
