using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace MeanFlow.Tests.Training;

/// <summary>
/// The files a training step runs through read nothing from the device except through the counted HostRead seam:
/// together with <see cref="HostReadTests"/> (the seam's counter does not move during a step) this shows the step makes
/// no host read of the library's own.
/// </summary>
public class HotPathSourceTests
{
    private static readonly string[] HotPathFolders =
    {
        "src/MeanFlow.Core/Jvp", "src/MeanFlow.Core/Objectives", "src/MeanFlow.Core/TimeSampling", "src/MeanFlow.Core/Guidance",
        "src/MeanFlow.Core/Paths", "src/MeanFlow.Core/Losses", "src/MeanFlow.Models/Layers", "src/MeanFlow.Models/DiT",
        "src/MeanFlow.Models/Mlp", "src/MeanFlow.Models/UNet", "src/MeanFlow.Training", "src/Shared",
    };

    /// <summary>Calls that copy values to the host (nonzero and masked_select must, to know their output size; libtorch's
    /// one_hot reads the labels' min and max with item() on every device but CUDA and MPS — Onehot.cpp).</summary>
    private static readonly Regex HostReadCall = new(
        @"\.item<|\.ToDouble\(\)|\.ToSingle\(\)|\.ToInt64\(\)|\.ToInt32\(\)|\.ToBoolean\(\)|\.data<|\bnonzero\(|masked_select\(|\.tolist\(|\bone_hot\(",
        RegexOptions.Compiled);

    [Fact]
    public void HotPathFilesReadTheDeviceOnlyThroughTheSeam()
    {
        var root = RepositoryFolder.Root();
        var files = HotPathFolders.SelectMany(f => Directory.EnumerateFiles(Path.Combine(root, f), "*.cs", SearchOption.TopDirectoryOnly))
            .Where(f => Path.GetFileName(f) != "HostRead.cs")
            .ToArray();
        Assert.True(files.Length > 40, $"only {files.Length} files found: is the folder list stale?");
        var offences = files.SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(root, f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", System.StringComparison.Ordinal) && HostReadCall.IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToArray();
        Assert.True(offences.Length == 0, "host reads outside HostRead:\n" + string.Join("\n", offences));
    }
}
