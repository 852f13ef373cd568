using System;
using System.CommandLine;
using System.IO;
using MeanFlow.Data;

namespace MeanFlow.Samples.Mnist;

/// <summary>Finds and loads MNIST or Fashion-MNIST from the folder given on the command line (or ../shared/data).</summary>
internal static class DataLocation
{
    internal static Option<string> DatasetOption() => SampleCommandLine.Choice("dataset", "mnist", "mnist or fashion-mnist", "mnist", "fashion-mnist");

    internal static Option<string?> DataOption() => SampleCommandLine.Optional("data", "folder with the IDX files (default: ../shared/data/<dataset>)");

    internal static string Resolve(string? folder, string dataset)
    {
        if (folder is not null)
            return Directory.Exists(folder) ? folder : throw new ArgumentException($"Option --data: folder '{folder}' does not exist.");
        // Default: the workplace's shared data beside the repository, found from the current or the binary's folder.
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "..", "shared", "data", dataset);
                if (File.Exists(Path.Combine(d.FullName, "MeanFlow.sln")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        throw new ArgumentException($"No {dataset} folder found; pass --data <folder with the four IDX files (train-images-idx3-ubyte.gz, ...)>.");
    }

    internal static TensorDataset Load(string dataset, string folder, DatasetSplit split) => dataset switch
    {
        "mnist" => MeanFlow.Data.Mnist.Load(folder, split),
        "fashion-mnist" => FashionMnist.Load(folder, split),
        _ => throw new ArgumentException($"Option --dataset: expected mnist or fashion-mnist, got '{dataset}'."),
    };
}
