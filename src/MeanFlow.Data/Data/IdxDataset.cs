using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>Loads an MNIST-layout folder: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].</summary>
internal static class IdxDataset
{
    internal static TensorDataset Load(string folder, DatasetSplit split, IReadOnlyList<string> classNames, string datasetName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The {datasetName} folder '{Path.GetFullPath(folder)}' does not exist.");
        var prefix = split switch
        {
            DatasetSplit.Train => "train",
            DatasetSplit.Test => "t10k",
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, $"split must be Train or Test; got {split}."),
        };
        var imagesPath = Find(folder, $"{prefix}-images-idx3-ubyte", $"{prefix}-images.idx3-ubyte");
        var labelsPath = Find(folder, $"{prefix}-labels-idx1-ubyte", $"{prefix}-labels.idx1-ubyte");

        using var scope = NewDisposeScope();
        var images = IdxFile.ReadImages(imagesPath);
        var labels = IdxFile.ReadLabels(labelsPath);
        if (labels.shape[0] != images.shape[0])
            throw new InvalidDataException($"'{imagesPath}' holds {images.shape[0]} images but '{labelsPath}' holds {labels.shape[0]} labels.");
        var max = labels.max().item<long>();
        if (max >= classNames.Count)
            throw new InvalidDataException($"'{labelsPath}' contains the label {max}; {datasetName} has {classNames.Count} classes (0 to {classNames.Count - 1}).");
        var dataset = new TensorDataset(images, labels, classNames.Count, classNames);
        return dataset; // the constructor detached the tensors from this scope
    }

    private static string Find(string folder, params string[] baseNames)
    {
        var candidates = baseNames.SelectMany(name => new[] { name + ".gz", name }).Select(name => Path.Combine(folder, name)).ToArray();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"Neither {string.Join(" nor ", candidates.Select(c => $"'{Path.GetFullPath(c)}'"))} exists.", candidates[0]);
    }
}
