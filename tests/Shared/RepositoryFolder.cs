using System.IO;

namespace MeanFlow.Tests;

/// <summary>The repository's root folder (the one holding MeanFlow.sln), found above the test binaries.</summary>
internal static class RepositoryFolder
{
    internal static string Root()
    {
        var directory = new DirectoryInfo(System.AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MeanFlow.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("MeanFlow.sln not found above the test binaries.");
    }
}
