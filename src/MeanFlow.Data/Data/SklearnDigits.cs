using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// The UCI optical handwritten digits as shipped with scikit-learn (load_digits): 1,797 images of 8×8,
/// pixel values 0..16, 10 classes, stored as digits.csv.gz with one row per image (64 pixel values, row-major,
/// then the label) and no header.
/// </summary>
public static class SklearnDigits
{
    /// <summary>The file name scikit-learn uses.</summary>
    public const string FileName = "digits.csv.gz";

    /// <summary>Reads the CSV (gzip or plain).</summary>
    /// <param name="path">The CSV file, or a folder that holds <see cref="FileName"/>.</param>
    /// <returns>Images float32 (N, 1, 8, 8) in [0, 1] (value / 16), labels int64 (N,), on the CPU.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A row does not have 65 values, a pixel is not an integer in 0..16, or a label is not in 0..9.</exception>
    public static TensorDataset Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        var text = Encoding.UTF8.GetString(FileBytes.Read(path));
        var pixels = new List<byte>(1797 * 64);
        var labels = new List<long>(1797);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length != 65)
                throw new InvalidDataException($"'{path}' line {lineNumber} has {fields.Length} values; expected 64 pixels and a label.");
            for (var i = 0; i < 64; i++)
                pixels.Add((byte)ParseInteger(fields[i], 16, path, lineNumber, $"pixel {i}"));
            labels.Add(ParseInteger(fields[64], 9, path, lineNumber, "the label"));
        }
        if (labels.Count == 0) throw new InvalidDataException($"'{path}' has no rows.");

        using var scope = NewDisposeScope();
        var images = tensor(pixels.ToArray(), new long[] { labels.Count, 1, 8, 8 }).to(ScalarType.Float32).div_(16f);
        return new TensorDataset(images, tensor(labels.ToArray()), 10, Mnist.ClassNames);
    }

    private static int ParseInteger(string field, int max, string path, int lineNumber, string what)
    {
        // scikit-learn writes integers, but a re-export may write "3.0"; accept integral values only.
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || value != Math.Floor(value) || value < 0 || value > max)
            throw new InvalidDataException($"'{path}' line {lineNumber}: {what} is '{field.Trim()}', not an integer in 0..{max}.");
        return (int)value;
    }
}
