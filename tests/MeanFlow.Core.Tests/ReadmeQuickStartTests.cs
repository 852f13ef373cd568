using System.IO;

namespace MeanFlow.Tests;

/// <summary>The README's C# quick start must be the compiled sample, line for line.</summary>
public class ReadmeQuickStartTests
{
    [Fact]
    public void ReadmeCodeBlockIsSamplesQuickStartProgram()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        var start = System.Array.IndexOf(readme, "```csharp");
        Assert.True(start >= 0, "README.md has no ```csharp block");
        var block = readme.Skip(start + 1).TakeWhile(l => l != "```").ToArray();
        var program = File.ReadAllLines(Path.Combine(root, "samples", "QuickStart", "Program.cs"))
            .SkipWhile(l => l.StartsWith("//", System.StringComparison.Ordinal)).ToArray();
        Assert.Equal(program, block);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(System.AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MeanFlow.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("MeanFlow.sln not found above the test binaries.");
    }
}
