using System;
using System.IO;

namespace MeanFlow.Models.Tests.Checkpoints;

/// <summary>A temporary folder for one test, deleted afterwards.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    internal TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "meanflow-checkpoints-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    internal string Path { get; }

    internal string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class Fixtures
{
    internal static string File(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", name);
}
