using System.Collections.Generic;
using System.IO;

namespace MeanFlow.Data;

/// <summary>
/// Fashion-MNIST (Zalando) from its four IDX files, which share MNIST's names and layout: 60,000 train and
/// 10,000 test images, 28×28 grey, 10 clothing classes. Nothing is downloaded.
/// </summary>
public static class FashionMnist
{
    /// <summary>The class names, index = label: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    /// <summary>Reads one split from a folder holding train-images-idx3-ubyte.gz etc.</summary>
    /// <param name="folder">The folder with the IDX files (".gz" or uncompressed).</param>
    /// <param name="split">Train (60,000) or test (10,000). The default is <see cref="DatasetSplit.Train"/>.</param>
    /// <returns>Images float32 (N, 1, 28, 28) in [0, 1] (byte / 255), labels int64 (N,), on the CPU.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, truncated, or the two files disagree.</exception>
    public static TensorDataset Load(string folder, DatasetSplit split = DatasetSplit.Train) =>
        IdxDataset.Load(folder, split, ClassNames, "Fashion-MNIST");
}
