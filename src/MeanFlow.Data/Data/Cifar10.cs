using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MeanFlow.Imaging;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// CIFAR-10 from its binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin): records of
/// 1 label byte and 3072 pixel bytes, the 32×32 red plane, then green, then blue, each row-major.
/// Nothing is downloaded.
/// </summary>
public static class Cifar10
{
    /// <summary>Bytes per record: 1 label + 3·32·32 pixels.</summary>
    public const int RecordBytes = 1 + 3 * 32 * 32;

    /// <summary>The class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        new[] { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };

    /// <summary>Reads one split from the folder of .bin files (or its parent holding cifar-10-batches-bin/).</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="split">Train (data_batch_1..5, 50,000) or test (test_batch, 10,000). The default is <see cref="DatasetSplit.Train"/>.</param>
    /// <returns>Images float32 (N, 3, 32, 32) in [0, 1] (byte / 255), labels int64 (N,), on the CPU.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A batch file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is not a whole number of records or has a label above 9.</exception>
    public static TensorDataset Load(string folder, DatasetSplit split = DatasetSplit.Train)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The CIFAR-10 folder '{Path.GetFullPath(folder)}' does not exist.");
        var nested = Path.Combine(folder, "cifar-10-batches-bin");
        if (Directory.Exists(nested)) folder = nested;
        var names = split switch
        {
            DatasetSplit.Train => Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin"),
            DatasetSplit.Test => new[] { "test_batch.bin" },
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, $"split must be Train or Test; got {split}."),
        };
        return ReadBatches(names.Select(name => Path.Combine(folder, name)).ToArray());
    }

    /// <summary>Reads and concatenates binary batch files in the given order.</summary>
    /// <param name="paths">The .bin files, at least one; each any whole number ≥ 1 of records.</param>
    /// <returns>Images float32 (N, 3, 32, 32) in [0, 1], labels int64 (N,), on the CPU.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not a whole number of records or has a label above 9.</exception>
    public static TensorDataset ReadBatches(params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Length == 0) throw new ArgumentException("paths must name at least one batch file.", nameof(paths));
        foreach (var path in paths)
            if (!File.Exists(path))
                throw new FileNotFoundException($"The CIFAR-10 batch file '{Path.GetFullPath(path)}' does not exist.", path);

        var files = paths.Select(Check).ToArray();
        long records = files.Sum(f => (long)f.Length / RecordBytes);
        if (records * (RecordBytes - 1) > Array.MaxLength)
            throw new NotSupportedException($"{records} CIFAR-10 records do not fit in one .NET array.");
        var pixels = new byte[records * (RecordBytes - 1)];
        var labels = new long[records];
        long row = 0;
        foreach (var bytes in files)
            for (var offset = 0; offset < bytes.Length; offset += RecordBytes, row++)
            {
                labels[row] = bytes[offset];
                // The record's pixels are already (3, 32, 32) row-major: R plane, G plane, B plane.
                Array.Copy(bytes, offset + 1, pixels, row * (RecordBytes - 1), RecordBytes - 1);
            }

        using var scope = NewDisposeScope();
        var images = ImageTensors.Dequantize(tensor(pixels, new long[] { records, 3, 32, 32 }));
        return new TensorDataset(images, tensor(labels), ClassNames.Count, ClassNames);

        byte[] Check(string path)
        {
            var bytes = FileBytes.Read(path);
            if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
                throw new InvalidDataException(
                    $"'{path}' is {bytes.Length} bytes, not a positive multiple of the {RecordBytes}-byte CIFAR-10 record (truncated or not a CIFAR-10 binary batch).");
            for (var offset = 0; offset < bytes.Length; offset += RecordBytes)
                if (bytes[offset] > 9)
                    throw new InvalidDataException(
                        $"'{path}' record {offset / RecordBytes} has label {bytes[offset]}; CIFAR-10 labels are 0 to 9 (corrupt file, or CIFAR-100's format).");
            return bytes;
        }
    }
}
